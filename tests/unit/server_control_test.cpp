// The control state mqchatd reads from its database for the broker plugin,
// and the sizes of the storage quota.
#include <gtest/gtest.h>

#include "server/control_watch.hpp"
#include "server/quota.hpp"
#include "server_scratch.hpp"

namespace {

using namespace mqchat::server;

constexpr std::int64_t kNow = 1732412345000;
constexpr std::int64_t kDay = 86400;

UserRecord user(const std::string& id) {
    return {id, id + "@example.org", id, "hash", 0};
}

mqchat::Message message(const std::string& id, const std::string& from, std::size_t size) {
    mqchat::Message m;
    m.id = id;
    m.user = from;
    m.text = std::string(size - id.size(), 'x');
    return m;
}

class ServerControl : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = Store::open(dir_.file("db"));
        for (const char* id : {"alice", "bob", "carol", "dave"})
            store_->insert_user(user(id));
    }
    servertest::ScratchDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(ServerControl, FullStateHasRevocationsInForceAndUsersOverQuota) {
    const std::string fresh_hash(64, 'a');
    const std::string old_hash(64, 'b');
    store_->insert_session(fresh_hash, "alice", 0, kNow + 1000000);
    store_->insert_session(old_hash, "alice", 0, kNow + 1000000);
    store_->revoke_session(old_hash, kNow - kDay * 1000 - 1);  // every token of it has expired
    store_->revoke_session(fresh_hash, kNow - 1000);
    store_->delete_user("bob@example.org", kNow - 5000);
    store_->delete_user("dave@example.org", kNow - kDay * 1000 - 1);
    store_->insert_message("general", message("m1", "carol", 100), 1);
    ControlWatch watch(*store_, {100, kDay});
    EXPECT_EQ(
        watch.full_state(kNow),
        (std::vector<std::string>{
            R"({"kind":"revoke-session","sid":")" + std::string(32, 'a') + R"(","until":)" +
                std::to_string((kNow - 1000) / 1000 + kDay + 1) + "}",
            R"({"kind":"revoke-user","user":"bob"})",
            R"({"kind":"quota","user":"carol","over":true,"reason":"storage quota of 100 bytes used"})"}));
    EXPECT_TRUE(watch.poll(kNow).empty());  // nothing new
}

TEST_F(ServerControl, PollReportsDeletedAccountsAndQuotasOnce) {
    ControlWatch watch(*store_, {1000, kDay});
    EXPECT_TRUE(watch.full_state(kNow).empty());
    store_->delete_user("bob@example.org", kNow);  // as `mqchatd user del` would, elsewhere
    store_->insert_message("general", message("m1", "alice", 999), 1);
    EXPECT_EQ(watch.poll(kNow), std::vector<std::string>{R"({"kind":"revoke-user","user":"bob"})"});
    store_->insert_message("general", message("m2", "alice", 3), 1);
    EXPECT_EQ(
        watch.poll(kNow),
        std::vector<std::string>{
            R"({"kind":"quota","user":"alice","over":true,"reason":"storage quota of 1000 bytes used"})"});
    store_->insert_message("general", message("m3", "alice", 10), 1);
    EXPECT_TRUE(watch.poll(kNow).empty());
}

TEST_F(ServerControl, ALargerQuotaAfterARestartEndsOverQuota) {
    store_->insert_message("general", message("m1", "alice", 2000), 1);
    ControlWatch strict(*store_, {1000, kDay});
    EXPECT_EQ(strict.full_state(kNow).size(), 1U);
    ControlWatch unlimited(*store_, {0, kDay});
    EXPECT_TRUE(unlimited.full_state(kNow).empty());
}

TEST(ServerQuota, ParsesSizesWithSuffixes) {
    EXPECT_EQ(parse_size("0"), 0);
    EXPECT_EQ(parse_size("512"), 512);
    EXPECT_EQ(parse_size("100M"), 100LL << 20);
    EXPECT_EQ(parse_size("100MiB"), 100LL << 20);
    EXPECT_EQ(parse_size("100mb"), 100LL << 20);
    EXPECT_EQ(parse_size("64k"), 64LL << 10);
    EXPECT_EQ(parse_size("2G"), 2LL << 30);
    for (const char* bad : {"", "M", "-1", "1.5G", "1T", "1 M", "1MM", "99999999999G", "0x10"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(ServerQuota, FormatsSizesForPeople) {
    EXPECT_EQ(format_size(100LL << 20), "100 MiB");
    EXPECT_EQ(format_size(3LL << 29), "1.5 GiB");
    EXPECT_EQ(format_size(1024), "1 KiB");
    EXPECT_EQ(format_size(1000), "1000 bytes");
    EXPECT_EQ(quota_reason(100LL << 20), "storage quota of 100 MiB used");
}

TEST(ServerControlSid, IsTheTokenHashPrefix) {
    EXPECT_EQ(sid_of_token_hash(std::string(32, 'c') + std::string(32, 'd')), std::string(32, 'c'));
}

}  // namespace
