// The plugin's state across broker events, in the order Mosquitto 2.0.11
// delivers them: mqchatd's control messages (archive, revocations, quotas),
// the per-account publish rate, the kicks they cause, and reconnects.
#include "plugin/state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "token/jwt.hpp"

namespace mqchat::plugin {
namespace {

constexpr std::int64_t kNow = 1'750'000'000;
const std::string kKey = "tokenkey-0123456789abcdef0123456789abcdef012345";
const std::string kServiceKey = "servicekey-0123456789abcdef0123456789abcdef0123";
const std::string kGeneral = "chat/general/messages";
const std::string kSidA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kSidB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

Config config(RateLimit rate = {0, 1}) {
    Config c;
    c.token_key = kKey;
    c.service_key = kServiceKey;
    c.user_rate = rate;
    return c;
}

// A token of `sub` issued just before `now`, valid for 15 minutes.
std::string token(const std::string& sub, const std::string& sid = "", std::int64_t now = kNow) {
    token::Claims c;
    c.sub = sub;
    c.name = "";
    c.iat = now - 5;
    c.nbf = now - 5;
    c.exp = now + 900;
    c.sid = sid;
    c.acl = {{"allow", "all", kGeneral}};
    return token::sign(c, kKey);
}

int handles[16];  // stand-ins for the broker's client pointers
State::Key key(int i) {
    return &handles[i];
}

Now at(std::int64_t unix_s, std::int64_t mono_ms = 0) {
    return {unix_s, mono_ms};
}

// A fixture holding one State and the service connection on handle 0.
class PluginState : public testing::Test {
  protected:
    explicit PluginState(RateLimit rate = {0, 1}) : state_(config(rate)) {
        EXPECT_TRUE(
            state_.connect(key(0), "$mqchatd", kServiceKey, "$mqchatd-archiver", at(kNow)).session);
    }

    bool connect(int handle, const std::string& user, const std::string& sid = "",
                 std::string client_id = "", std::int64_t now = kNow) {
        if (client_id.empty()) client_id = user + "-" + std::to_string(handle);
        return state_.connect(key(handle), user, token(user, sid, now), client_id, at(now))
            .session.has_value();
    }

    std::string refusal(int handle, const std::string& user, const std::string& sid,
                        std::int64_t now = kNow) {
        return state_
            .connect(key(handle), user, token(user, sid, now), user + "-" + std::to_string(handle),
                     at(now))
            .refusal;
    }

    // What the service sends on the control topic; true when it was accepted.
    bool control(const std::string& payload, std::int64_t now = kNow, int sender = 0) {
        return state_.message(key(sender), kControlTopic, payload, at(now)).allowed;
    }

    Decision publish(int handle, const std::string& user, std::int64_t mono_ms = 0,
                     std::int64_t now = kNow) {
        const std::string payload = R"({"id":"m1","user":")" + user + R"(","text":"hi"})";
        return state_.acl(key(handle), {Access::write, kGeneral, false, payload}, at(now, mono_ms));
    }

    bool may_read(int handle) {
        return state_.acl(key(handle), {Access::read, kGeneral, false, {}}, at(kNow)).allowed;
    }

    std::vector<std::string> tick(std::int64_t now = kNow) { return state_.tick(at(now)); }

    std::string log_text() {
        std::string all;
        for (const LogLine& line : state_.take_log())
            all += line.text + "\n";
        return all;
    }

    State state_;
};

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// --- the control topic -----------------------------------------------------------------

TEST_F(PluginState, OnlyTheServiceMayPublishThereAndNobodyReadsIt) {
    ASSERT_TRUE(connect(1, "alice"));
    const AclRequest write_control{Access::write, kControlTopic, false,
                                   R"({"kind":"archive","open":false})"};
    EXPECT_TRUE(state_.acl(key(0), write_control, at(kNow)));
    EXPECT_FALSE(state_.acl(key(1), write_control, at(kNow)));
    AclRequest retained = write_control;
    retained.retain = true;
    EXPECT_FALSE(state_.acl(key(0), retained, at(kNow)));
    for (const int who : {0, 1}) {
        for (const char* filter : {"$mqchatd/control", "$mqchatd/#", "$mqchatd/+", "+/control", "#",
                                   "$share/g/$mqchatd/control"})
            EXPECT_FALSE(state_.acl(key(who), {Access::subscribe, filter, false, {}}, at(kNow)))
                << who << " " << filter;
        EXPECT_FALSE(state_.acl(key(who), {Access::read, kControlTopic, false, {}}, at(kNow)));
    }
    // Even if a user's write got through, its message would not be applied.
    EXPECT_FALSE(
        state_.message(key(1), kControlTopic, R"({"kind":"archive","open":false})", at(kNow)));
    EXPECT_TRUE(state_.archive_open());
}

TEST_F(PluginState, GarbageChangesNothingAndIsLoggedBoundedly) {
    ASSERT_TRUE(connect(1, "alice"));
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(control("garbage " + std::to_string(i)));  // consumed, never routed
        EXPECT_TRUE(control(R"({"kind":"archive","open":"no"})"));
        EXPECT_TRUE(control(R"({"kind":"launch-missiles"})"));
    }
    EXPECT_TRUE(state_.archive_open());
    EXPECT_TRUE(publish(1, "alice"));
    const std::string log = log_text();
    EXPECT_EQ(lines(log), 1U) << log;
    EXPECT_NE(log.find("ignored a control message: not a JSON object"), std::string::npos);
    // A minute later the next one is logged, with the count of those left out.
    EXPECT_TRUE(control(R"({"kind":"launch-missiles"})", kNow + 60));
    EXPECT_NE(log_text().find("unknown kind \"launch-missiles\" (2999 more like it"),
              std::string::npos);
}

// --- archive ---------------------------------------------------------------------------------

TEST_F(PluginState, AClosedArchiveRefusesEveryUserChatPublishQuietly) {
    ASSERT_TRUE(connect(1, "alice"));
    ASSERT_TRUE(connect(2, "bob"));
    EXPECT_TRUE(control(R"({"kind":"archive","open":false,"reason":"no space left on device"})"));
    for (const auto& [handle, user] : {std::pair{1, "alice"}, std::pair{2, "bob"}}) {
        const Decision d = publish(handle, user);
        EXPECT_FALSE(d);
        EXPECT_TRUE(d.quiet);
    }
    EXPECT_TRUE(may_read(1));  // reading is not publishing
    // The service's own publishes (messages POSTed over HTTP) are mqchatd's call.
    EXPECT_TRUE(state_.acl(key(0), {Access::write, kGeneral, false, R"({"user":"x","text":"y"})"},
                           at(kNow)));
    EXPECT_TRUE(control(R"({"kind":"archive","open":true})"));
    EXPECT_TRUE(publish(1, "alice"));
}

TEST_F(PluginState, ArchiveChangesAreLoggedOnceNotPerMessageOrReplay) {
    ASSERT_TRUE(connect(1, "alice"));
    control(R"({"kind":"archive","open":true})");  // already open: no change
    EXPECT_EQ(log_text(), "");
    control(R"({"kind":"archive","open":false,"reason":"no space left on device"})");
    for (int i = 0; i < 100; ++i)
        publish(1, "alice");
    control(R"({"kind":"archive","open":false,"reason":"no space left on device"})");  // replay
    std::string log = log_text();
    EXPECT_EQ(lines(log), 1U) << log;
    EXPECT_NE(log.find("archive closed (no space left on device)"), std::string::npos) << log;
    control(R"({"kind":"archive","open":false,"reason":"database locked"})");
    EXPECT_NE(log_text().find("archive closed (database locked)"), std::string::npos);
    control(R"({"kind":"archive","open":true})");
    EXPECT_NE(log_text().find("archive open"), std::string::npos);
}

// --- revoke-session ----------------------------------------------------------------------------

TEST_F(PluginState, ARevokedSessionIsCutAtOnceKickedAtTheNextTickAndRefusedAtConnect) {
    ASSERT_TRUE(connect(1, "alice", kSidA));
    ASSERT_TRUE(connect(2, "alice", kSidB));  // alice's other login
    ASSERT_TRUE(connect(3, "alice"));         // a token without sid
    EXPECT_TRUE(control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":)" +
                        std::to_string(kNow + 900) + "}"));
    EXPECT_FALSE(may_read(1));  // no record any more: every check fails until it is gone
    EXPECT_FALSE(publish(1, "alice"));
    EXPECT_TRUE(may_read(2));
    EXPECT_TRUE(may_read(3));
    EXPECT_EQ(tick(), std::vector<std::string>{"alice-1"});
    state_.disconnect(key(1));  // the kick's DISCONNECT arrives during the kick
    EXPECT_TRUE(tick().empty());
    EXPECT_NE(refusal(4, "alice", kSidA).find("session revoked"), std::string::npos);
    EXPECT_TRUE(connect(5, "alice", kSidB));
    EXPECT_NE(log_text().find("session " + kSidA + " revoked until " + std::to_string(kNow + 900) +
                              ": disconnecting 1 connection"),
              std::string::npos);
}

TEST_F(PluginState, ASessionRevocationEndsAtUntil) {
    control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":)" +
            std::to_string(kNow + 100) + "}");
    EXPECT_FALSE(connect(1, "alice", kSidA, "", kNow + 99));
    tick(kNow + 100);
    EXPECT_TRUE(connect(1, "alice", kSidA, "", kNow + 100));
}

TEST_F(PluginState, AnUntilBeyondAnyTokensLifeIsCut) {
    control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":9000000000000})");
    const std::int64_t day_later = kNow + token::kMaxTokenLifetime + kMaxNbfLeeway;
    EXPECT_NE(log_text().find("until " + std::to_string(day_later)), std::string::npos);
    tick(day_later);
    EXPECT_EQ(refusal(1, "alice", kSidA, day_later), "");
}

TEST_F(PluginState, AnUntilInThePastStillCutsTheConnectedOnes) {
    ASSERT_TRUE(connect(1, "alice", kSidA));
    control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":0})");
    EXPECT_EQ(tick(), std::vector<std::string>{"alice-1"});
}

TEST_F(PluginState, AFullRevocationTableDropsWhatExpiresFirst) {
    for (std::size_t i = 0; i < kMaxRevocations; ++i)
        control(R"({"kind":"revoke-session","sid":"s)" + std::to_string(i) + R"(","until":)" +
                std::to_string(kNow + 1000 + static_cast<std::int64_t>(i)) + "}");
    log_text();
    // Expiring before every other one: not kept, and said so.
    control(R"({"kind":"revoke-session","sid":"early","until":)" + std::to_string(kNow + 10) + "}");
    EXPECT_NE(log_text().find("a revocation table is full"), std::string::npos);
    EXPECT_TRUE(connect(1, "alice", "early"));
    // Expiring later: kept, the one expiring first makes room.
    control(R"({"kind":"revoke-session","sid":"late","until":)" + std::to_string(kNow + 900000) +
            "}");
    EXPECT_FALSE(connect(2, "alice", "late"));
    EXPECT_TRUE(connect(3, "alice", "s0"));
    EXPECT_FALSE(connect(4, "alice", "s1"));
}

// Mosquitto 2.0.11 (connect__on_authorised) authenticates a reconnect with
// the same client id before it disconnects the old connection.
TEST_F(PluginState, AReconnectWithAFreshTokenBeforeTheTickIsNotKicked) {
    ASSERT_TRUE(connect(1, "alice", kSidA, "alice-laptop"));
    control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":)" +
            std::to_string(kNow + 900) + "}");
    // Logged in again: a new session, the same client id, before the next tick.
    ASSERT_TRUE(connect(2, "alice", kSidB, "alice-laptop"));
    state_.disconnect(key(1));  // the takeover closes the old connection
    EXPECT_TRUE(tick().empty());
    EXPECT_TRUE(may_read(2));
}

TEST_F(PluginState, ARevokedConnectionThatLeftByItselfIsNotKicked) {
    ASSERT_TRUE(connect(1, "alice", kSidA, "alice-laptop"));
    control(R"({"kind":"revoke-session","sid":")" + kSidA + R"(","until":)" +
            std::to_string(kNow + 900) + "}");
    state_.disconnect(key(1));
    // Its persistent session may still be in the broker under that id: kicking
    // it would queue a DISCONNECT on a closed socket.
    EXPECT_TRUE(tick().empty());
}

// --- revoke-user ---------------------------------------------------------------------------------

TEST_F(PluginState, ARevokedAccountLosesEveryConnectionAndToken) {
    ASSERT_TRUE(connect(1, "alice", kSidA));
    ASSERT_TRUE(connect(2, "alice", kSidB));
    ASSERT_TRUE(connect(3, "alice"));
    ASSERT_TRUE(connect(4, "bob"));
    EXPECT_TRUE(control(R"({"kind":"revoke-user","user":"alice"})"));
    auto kicked = tick();
    std::sort(kicked.begin(), kicked.end());
    EXPECT_EQ(kicked, (std::vector<std::string>{"alice-1", "alice-2", "alice-3"}));
    EXPECT_TRUE(may_read(4));
    EXPECT_EQ(refusal(5, "alice", ""), "account revoked");
    EXPECT_EQ(refusal(5, "alice", kSidA), "account revoked");
    EXPECT_TRUE(connect(5, "bob"));
    // A replay of the same revocation logs nothing new.
    log_text();
    control(R"({"kind":"revoke-user","user":"alice"})");
    EXPECT_EQ(log_text(), "");
}

TEST_F(PluginState, AnAccountRevocationOutlivesEveryTokenThenGoes) {
    control(R"({"kind":"revoke-user","user":"alice"})");
    const std::int64_t end = kNow + token::kMaxTokenLifetime + kMaxNbfLeeway;
    tick(end - 1);
    EXPECT_EQ(refusal(1, "alice", "", kNow + 100), "account revoked");
    tick(end);
    EXPECT_EQ(refusal(1, "alice", "", end), "");
}

// --- quota
// -------------------------------------------------------------------------------------------

TEST_F(PluginState, AQuotaRefusesOnlyThatAccount) {
    ASSERT_TRUE(connect(1, "alice"));
    ASSERT_TRUE(connect(2, "bob"));
    control(
        R"({"kind":"quota","user":"alice","over":true,"reason":"storage quota of 100 MiB used"})");
    const Decision d = publish(1, "alice");
    EXPECT_FALSE(d);
    EXPECT_TRUE(d.quiet);
    EXPECT_TRUE(publish(2, "bob"));
    EXPECT_TRUE(may_read(1));
    control(R"({"kind":"quota","user":"alice","over":false})");
    EXPECT_TRUE(publish(1, "alice"));
    const std::string log = log_text();
    EXPECT_NE(log.find("account \"alice\" over quota (storage quota of 100 MiB used)"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("account \"alice\" within quota again"), std::string::npos) << log;
}

// The control sender reconnecting replays the whole state (docs/delivery.md):
// a quota lifted while it was away must not stick.
TEST_F(PluginState, TheControlSendersReconnectStartsTheQuotaTableAfresh) {
    ASSERT_TRUE(connect(1, "alice"));
    ASSERT_TRUE(connect(2, "bob"));
    control(R"({"kind":"quota","user":"alice","over":true})");
    control(R"({"kind":"quota","user":"bob","over":true})");
    control(R"({"kind":"archive","open":false,"reason":"disk full"})");
    control(R"({"kind":"revoke-user","user":"carol"})");
    // Another service client (say, an HTTP publisher) changes nothing.
    ASSERT_TRUE(state_.connect(key(9), "$mqchatd", kServiceKey, "$mqchatd-http", at(kNow)).session);
    control(R"({"kind":"archive","open":true})");
    EXPECT_FALSE(publish(1, "alice"));
    // The sender takes its client id over: admitted before the old one's
    // DISCONNECT, which then arrives, then the replay.
    ASSERT_TRUE(
        state_.connect(key(10), "$mqchatd", kServiceKey, "$mqchatd-archiver", at(kNow)).session);
    state_.disconnect(key(0));
    EXPECT_TRUE(control(R"({"kind":"quota","user":"bob","over":true})", kNow, 10));
    EXPECT_TRUE(publish(1, "alice"));
    EXPECT_FALSE(publish(2, "bob"));
    // Revocations and the archive state are never forgotten this way.
    EXPECT_EQ(refusal(3, "carol", ""), "account revoked");
    EXPECT_TRUE(control(R"({"kind":"archive","open":false,"reason":"disk full"})", kNow, 10));
    ASSERT_TRUE(
        state_.connect(key(11), "$mqchatd", kServiceKey, "$mqchatd-archiver", at(kNow)).session);
    EXPECT_FALSE(state_.archive_open());
}

// --- the publish rate
// ---------------------------------------------------------------------------------

class PluginStateRate : public PluginState {
  protected:
    PluginStateRate() : PluginState({50, 200}) {}
};

TEST_F(PluginStateRate, AnAccountIsLimitedAcrossItsConnections) {
    ASSERT_TRUE(connect(1, "alice"));
    ASSERT_TRUE(connect(2, "alice"));
    ASSERT_TRUE(connect(3, "bob"));
    int allowed = 0;
    for (int i = 0; i < 300; ++i)
        if (publish(1 + i % 2, "alice")) ++allowed;
    EXPECT_EQ(allowed, 200);
    const Decision d = publish(1, "alice");
    EXPECT_FALSE(d);
    EXPECT_TRUE(d.quiet);
    EXPECT_EQ(d.reason, "publish rate exceeded");
    EXPECT_TRUE(publish(3, "bob"));
    EXPECT_TRUE(publish(1, "alice", 20));  // a fiftieth of a second later
    const std::string log = log_text();
    EXPECT_EQ(lines(log), 1U) << log;
    EXPECT_NE(log.find("account \"alice\" publishes faster than 50/s (burst 200)"),
              std::string::npos)
        << log;
}

TEST_F(PluginStateRate, TheServiceIsNotLimited) {
    int allowed = 0;
    for (int i = 0; i < 1000; ++i)
        if (state_.acl(key(0), {Access::write, kGeneral, false, R"({"user":"x","text":"y"})"},
                       at(kNow, 0)))
            ++allowed;
    EXPECT_EQ(allowed, 1000);
}

TEST_F(PluginStateRate, RefusedWritesCountAndOtherTopicsDoNot) {
    ASSERT_TRUE(connect(1, "alice"));
    // A spoofed payload is refused by the sender check but still costs a
    // publish: a flood of them is cut off cheaply.
    for (int i = 0; i < 200; ++i)
        EXPECT_FALSE(publish(1, "mallory"));
    EXPECT_TRUE(publish(1, "alice").quiet);
    for (int i = 0; i < 300; ++i)
        state_.acl(key(1), {Access::write, "other/topic", false, "x"}, at(kNow));
    EXPECT_TRUE(publish(1, "alice", 20));
}

}  // namespace
}  // namespace mqchat::plugin
