// The control channel's JSON: the exact field names both ends rely on.
#include <gtest/gtest.h>

#include "core/control_message.hpp"

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

TEST(ControlMessage, ParsesWhatItEncodes) {
    const auto archive = parse_message(archive_message(false, "why"));
    ASSERT_TRUE(archive);
    EXPECT_EQ(archive->kind, Kind::archive);
    EXPECT_FALSE(archive->open);
    EXPECT_EQ(archive->reason, "why");
    const auto session = parse_message(revoke_session_message(kSid, 99));
    ASSERT_TRUE(session);
    EXPECT_EQ(session->kind, Kind::revoke_session);
    EXPECT_EQ(session->sid, kSid);
    EXPECT_EQ(session->until, 99);
    const auto user = parse_message(revoke_user_message("bob"));
    ASSERT_TRUE(user);
    EXPECT_EQ(user->kind, Kind::revoke_user);
    EXPECT_EQ(user->user, "bob");
    const auto quota = parse_message(quota_message("bob", true, "full"));
    ASSERT_TRUE(quota);
    EXPECT_EQ(quota->kind, Kind::quota);
    EXPECT_TRUE(quota->over);
    EXPECT_EQ(quota->reason, "full");
}

TEST(ControlMessage, UnknownKindsParseAsUnknown) {
    const auto m = parse_message(R"({"kind":"future-thing","x":1})");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, Kind::unknown);
    EXPECT_EQ(m->kind_text, "future-thing");
}

TEST(ControlMessage, RefusesMalformedMessages) {
    for (const std::string& bad : std::vector<std::string>{
             "", "x", "[]", R"({"open":true})", R"({"kind":1})", R"({"kind":"archive"})",
             R"({"kind":"archive","open":"yes"})", R"({"kind":"archive","open":false,"reason":1})",
             R"({"kind":"revoke-session","sid":"abc","until":1})",
             R"({"kind":"revoke-session","sid":"0123456789ABCDEF0123456789abcdef","until":1})",
             R"({"kind":"revoke-session","sid":"0123456789abcdef0123456789abcdef","until":1.5})",
             R"({"kind":"revoke-user","user":""})", R"({"kind":"revoke-user"})",
             R"({"kind":"quota","user":"a"})", std::string(5000, ' ') + "{}",
             R"({"kind":"archive","open":true,"x":[[[[1]]]]})"})
        EXPECT_FALSE(parse_message(bad)) << bad;
}

}  // namespace
