// The control channel's JSON: the exact field names both ends rely on.
#include <gtest/gtest.h>

#include "core/control_message.hpp"
#include "plugin/control.hpp"

namespace {

using namespace mqchat::control;

constexpr const char* kSid = "0123456789abcdef0123456789abcdef";

TEST(ControlMessage, ExactEncodings) {
    EXPECT_EQ(kTopic, "$mqchatd/control");
    EXPECT_EQ(archive_message(true, "ignored"), R"({"kind":"archive","open":true})");
    EXPECT_EQ(archive_message(false, "no space left on device"),
              R"({"kind":"archive","open":false,"reason":"no space left on device"})");
    EXPECT_EQ(
        revoke_session_message(kSid, 1732412345),
        R"({"kind":"revoke-session","sid":"0123456789abcdef0123456789abcdef","until":1732412345})");
    EXPECT_EQ(revoke_user_message("alice"), R"({"kind":"revoke-user","user":"alice"})");
    EXPECT_EQ(
        quota_message("alice", true, "storage quota of 100 MiB used"),
        R"({"kind":"quota","user":"alice","over":true,"reason":"storage quota of 100 MiB used"})");
    EXPECT_EQ(quota_message("alice", false, "x"),
              R"({"kind":"quota","user":"alice","over":false})");
}

// mqchatd writes what the plugin reads: every message round-trips through
// the plugin's strict reader.
TEST(ControlMessage, ThePluginReadsWhatMqchatdWrites) {
    using namespace mqchat::plugin;
    const auto archive = parse_control(archive_message(false, "why"));
    ASSERT_TRUE(archive.command) << archive.problem;
    EXPECT_FALSE(std::get<SetArchive>(*archive.command).open);
    EXPECT_EQ(std::get<SetArchive>(*archive.command).reason, "why");
    const auto session = parse_control(revoke_session_message(kSid, 99));
    ASSERT_TRUE(session.command) << session.problem;
    EXPECT_EQ(std::get<RevokeSession>(*session.command).sid, kSid);
    EXPECT_EQ(std::get<RevokeSession>(*session.command).until, 99);
    const auto user = parse_control(revoke_user_message("bob"));
    ASSERT_TRUE(user.command) << user.problem;
    EXPECT_EQ(std::get<RevokeUser>(*user.command).user, "bob");
    const auto quota = parse_control(quota_message("bob", true, "full"));
    ASSERT_TRUE(quota.command) << quota.problem;
    EXPECT_TRUE(std::get<SetQuota>(*quota.command).over);
    EXPECT_EQ(std::get<SetQuota>(*quota.command).reason, "full");
}

}  // namespace
