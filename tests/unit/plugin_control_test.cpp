// The plugin's reader of mqchatd's control messages and its bounded tables:
// revocations, quotas, publish-rate buckets and the log throttle.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "hostile_corpus.hpp"
#include "plugin/control.hpp"
#include "plugin/limits.hpp"

namespace mqchat::plugin {
namespace {

const std::string kSid = "0123456789abcdef0123456789abcdef";

template <typename T>
T command_of(const std::string& payload) {
    const ParsedControl p = parse_control(payload);
    EXPECT_TRUE(p.command) << payload << ": " << p.problem;
    EXPECT_TRUE(p.problem.empty()) << p.problem;
    if (!p.command || !std::holds_alternative<T>(*p.command)) {
        ADD_FAILURE() << payload << " did not give the expected command";
        return T{};
    }
    return std::get<T>(*p.command);
}

testing::AssertionResult malformed(const std::string& payload) {
    const ParsedControl p = parse_control(payload);
    if (p.command) return testing::AssertionFailure() << "accepted";
    if (p.unknown_kind) return testing::AssertionFailure() << "taken for an unknown kind";
    if (p.problem.empty()) return testing::AssertionFailure() << "no reason";
    for (const unsigned char c : p.problem)
        if (c < 0x20 || c >= 0x7F) return testing::AssertionFailure() << "unsafe: " << p.problem;
    return testing::AssertionSuccess() << p.problem;
}

// --- the reader ---------------------------------------------------------------------

TEST(PluginControlParse, Archive) {
    const auto closed =
        command_of<SetArchive>(R"({"kind":"archive","open":false,"reason":"disk full"})");
    EXPECT_FALSE(closed.open);
    EXPECT_EQ(closed.reason, "disk full");
    const auto open = command_of<SetArchive>(R"({"kind":"archive","open":true})");
    EXPECT_TRUE(open.open);
    EXPECT_EQ(open.reason, "");
    const std::string longest(kMaxReasonBytes, 'r');
    EXPECT_EQ(
        command_of<SetArchive>(R"({"kind":"archive","open":false,"reason":")" + longest + R"("})")
            .reason,
        longest);
}

TEST(PluginControlParse, RevokeSession) {
    const auto c = command_of<RevokeSession>(R"({"kind":"revoke-session","sid":")" + kSid +
                                             R"(","until":1750000900})");
    EXPECT_EQ(c.sid, kSid);
    EXPECT_EQ(c.until, 1750000900);
    // Any sid a token may carry: 1 to 64 bytes.
    EXPECT_EQ(command_of<RevokeSession>(R"({"kind":"revoke-session","sid":")" +
                                        std::string(64, 'f') + R"(","until":1})")
                  .sid,
              std::string(64, 'f'));
}

TEST(PluginControlParse, RevokeUserAndQuota) {
    EXPECT_EQ(command_of<RevokeUser>(R"({"kind":"revoke-user","user":"alice"})").user, "alice");
    const auto over = command_of<SetQuota>(
        R"({"kind":"quota","user":"bob","over":true,"reason":"storage quota of 100 MiB used"})");
    EXPECT_EQ(over.user, "bob");
    EXPECT_TRUE(over.over);
    EXPECT_EQ(over.reason, "storage quota of 100 MiB used");
    EXPECT_FALSE(command_of<SetQuota>(R"({"kind":"quota","user":"bob","over":false})").over);
}

TEST(PluginControlParse, IgnoresMembersItDoesNotKnow) {
    const auto c = command_of<SetArchive>(
        R"({"kind":"archive","open":true,"since":17,"by":"archiver","extra":[1,2]})");
    EXPECT_TRUE(c.open);
}

TEST(PluginControlParse, UnknownKindsAreFlaggedNotMalformed) {
    const ParsedControl p = parse_control(R"({"kind":"rotate-keys","at":5})");
    EXPECT_FALSE(p.command);
    EXPECT_TRUE(p.unknown_kind);
    EXPECT_NE(p.problem.find("rotate-keys"), std::string::npos) << p.problem;
    const ParsedControl hostile =
        parse_control("{\"kind\":\"\\u001b[2J" + std::string(100, 'k') + "\"}");
    EXPECT_TRUE(hostile.unknown_kind);
    EXPECT_LT(hostile.problem.size(), 80U);
    for (const unsigned char c : hostile.problem)
        EXPECT_TRUE(c >= 0x20 && c < 0x7F) << hostile.problem;
}

TEST(PluginControlParse, RefusesWrongTypesAndSizes) {
    for (const std::string& payload : {
             std::string(R"({"kind":"archive"})"),
             std::string(R"({"kind":"archive","open":"false"})"),
             std::string(R"({"kind":"archive","open":0})"),
             std::string(R"({"kind":"archive","open":null})"),
             std::string(R"({"kind":"archive","open":false,"reason":5})"),
             R"({"kind":"archive","open":false,"reason":")" + std::string(201, 'r') + R"("})",
             std::string(R"({"kind":"revoke-session","until":5})"),
             std::string(R"({"kind":"revoke-session","sid":"","until":5})"),
             R"({"kind":"revoke-session","sid":")" + std::string(65, 'a') + R"(","until":5})",
             R"({"kind":"revoke-session","sid":")" + kSid + R"("})",
             R"({"kind":"revoke-session","sid":")" + kSid + R"(","until":5.5})",
             R"({"kind":"revoke-session","sid":")" + kSid + R"(","until":"5"})",
             R"({"kind":"revoke-session","sid":")" + kSid + R"(","until":18446744073709551615})",
             std::string(R"({"kind":"revoke-session","sid":12,"until":5})"),
             std::string(R"({"kind":"revoke-user"})"),
             std::string(R"({"kind":"revoke-user","user":"Alice"})"),
             std::string(R"({"kind":"revoke-user","user":"$mqchatd"})"),
             std::string(R"({"kind":"revoke-user","user":["alice"]})"),
             R"({"kind":"revoke-user","user":")" + std::string(65, 'a') + R"("})",
             std::string(R"({"kind":"quota","user":"bob"})"),
             std::string(R"({"kind":"quota","over":true})"),
             std::string(R"({"kind":"quota","user":"bob","over":true,"reason":[]})"),
         })
        EXPECT_TRUE(malformed(payload)) << payload.substr(0, 100);
}

TEST(PluginControlParse, RefusesWhatIsNoControlMessage) {
    for (const std::string& payload :
         {std::string(""), std::string("archive"), std::string("[]"), std::string("null"),
          std::string(R"(["kind","archive"])"), std::string(R"({"open":true})"),
          std::string(R"({"kind":5})"), std::string(R"({"kind":"archive","open":true)"),
          std::string(R"({"kind":"archive","open":true}{})"),
          std::string("{\"kind\":\"archive\",\"open\":true,\"reason\":\"\xff\"}"),
          std::string(R"({"kind":"archive","open":true,"x":{"y":{"z":1}}})"),
          std::string(100000, '['), std::string(100000, '{'),
          R"({"kind":"archive","open":true,"pad":")" + std::string(kMaxControlBytes, 'p') +
              R"("})"})
        EXPECT_TRUE(malformed(payload)) << payload.substr(0, 100);
}

TEST(PluginControlParse, NeverThrowsOnHostileText) {
    for (const auto& c : test_support::hostile_corpus()) {
        EXPECT_NO_THROW(parse_control(c.input)) << c.name;
        EXPECT_NO_THROW(
            parse_control(R"({"kind":"archive","open":false,"reason":")" + c.input + R"("})"))
            << c.name;
    }
}

// --- ExpiringSet ------------------------------------------------------------------------

TEST(PluginExpiringSet, HoldsUntilItsTimeThenExpires) {
    ExpiringSet s(10);
    EXPECT_TRUE(s.add("a", 100));
    EXPECT_TRUE(s.contains("a", 99));
    EXPECT_FALSE(s.contains("a", 100));
    EXPECT_FALSE(s.contains("b", 0));
    s.expire(99);
    EXPECT_EQ(s.size(), 1U);
    s.expire(100);
    EXPECT_EQ(s.size(), 0U);
}

TEST(PluginExpiringSet, ALaterUntilExtendsAnEarlierOneDoesNot) {
    ExpiringSet s(10);
    EXPECT_TRUE(s.add("a", 100));
    EXPECT_FALSE(s.add("a", 200));  // a replay or an extension: not new
    EXPECT_FALSE(s.add("a", 50));
    EXPECT_TRUE(s.contains("a", 150));
    s.expire(150);
    EXPECT_TRUE(s.contains("a", 150));
    s.expire(200);
    EXPECT_EQ(s.size(), 0U);
}

TEST(PluginExpiringSet, WhenFullTheSoonestExpiringGoes) {
    ExpiringSet s(3);
    s.add("a", 300);
    s.add("b", 100);
    s.add("c", 200);
    EXPECT_TRUE(s.add("d", 400));
    EXPECT_EQ(s.size(), 3U);
    EXPECT_FALSE(s.contains("b", 0));
    EXPECT_TRUE(s.contains("a", 0) && s.contains("c", 0) && s.contains("d", 0));
    // A newcomer that would expire first of all is the one not kept.
    EXPECT_FALSE(s.add("e", 150));
    EXPECT_FALSE(s.contains("e", 0));
    EXPECT_EQ(s.size(), 3U);
}

TEST(PluginExpiringSet, StaysWithinItsCapacity) {
    ExpiringSet s(kMaxRevocations);
    for (std::size_t i = 0; i < kMaxRevocations + 1000; ++i)
        s.add("sid-" + std::to_string(i), static_cast<std::int64_t>(1000 + i));
    EXPECT_EQ(s.size(), kMaxRevocations);
    EXPECT_FALSE(s.contains("sid-0", 0));
    EXPECT_TRUE(s.contains("sid-" + std::to_string(kMaxRevocations + 999), 0));
}

// --- QuotaTable --------------------------------------------------------------------------

TEST(PluginQuotaTable, ReportsChangesOnly) {
    QuotaTable q;
    EXPECT_EQ(q.set("bob", false, ""), QuotaTable::Change::none);
    EXPECT_EQ(q.set("bob", true, "100 MiB"), QuotaTable::Change::over);
    EXPECT_TRUE(q.over("bob"));
    EXPECT_FALSE(q.over("alice"));
    EXPECT_EQ(q.set("bob", true, "100 MiB"), QuotaTable::Change::none);
    EXPECT_EQ(q.set("bob", true, "200 MiB"), QuotaTable::Change::over);
    EXPECT_EQ(q.set("bob", false, ""), QuotaTable::Change::cleared);
    EXPECT_FALSE(q.over("bob"));
}

TEST(PluginQuotaTable, IsBounded) {
    QuotaTable q;
    for (std::size_t i = 0; i < kMaxQuotaEntries; ++i)
        ASSERT_EQ(q.set("u" + std::to_string(i), true, ""), QuotaTable::Change::over);
    EXPECT_EQ(q.set("one-more", true, ""), QuotaTable::Change::full);
    EXPECT_FALSE(q.over("one-more"));
    EXPECT_EQ(q.set("u0", false, ""), QuotaTable::Change::cleared);
    EXPECT_EQ(q.set("one-more", true, ""), QuotaTable::Change::over);
    q.clear();
    EXPECT_EQ(q.size(), 0U);
}

// --- RateLimiter ----------------------------------------------------------------------------

int allowed_in_a_row(RateLimiter& r, const std::string& user, std::int64_t now_ms, int tries) {
    int n = 0;
    for (int i = 0; i < tries; ++i)
        if (r.take(user, now_ms).allowed) ++n;
    return n;
}

TEST(PluginRateLimiter, AllowsTheBurstThenTheRate) {
    RateLimiter r({50, 200});
    EXPECT_EQ(allowed_in_a_row(r, "alice", 0, 1000), 200);
    EXPECT_EQ(allowed_in_a_row(r, "alice", 19, 10), 0);  // 19 ms: 0.95 of a message
    EXPECT_EQ(allowed_in_a_row(r, "alice", 20, 10), 1);
    EXPECT_EQ(allowed_in_a_row(r, "alice", 1020, 1000), 50);
    // A long pause refills to the burst, never beyond.
    EXPECT_EQ(allowed_in_a_row(r, "alice", 1'000'000'000, 1000), 200);
}

TEST(PluginRateLimiter, AccountsAreIndependent) {
    RateLimiter r({1, 3});
    EXPECT_EQ(allowed_in_a_row(r, "alice", 0, 10), 3);
    EXPECT_EQ(allowed_in_a_row(r, "bob", 0, 10), 3);
    EXPECT_EQ(allowed_in_a_row(r, "alice", 1000, 10), 1);
}

TEST(PluginRateLimiter, ZeroMeansUnlimited) {
    RateLimiter r({0, 1});
    EXPECT_EQ(allowed_in_a_row(r, "alice", 0, 100000), 100000);
    EXPECT_EQ(r.size(), 0U);
}

TEST(PluginRateLimiter, LogsAnAccountsRefusalsOnceAMinute) {
    RateLimiter r({1, 1});
    EXPECT_TRUE(r.take("alice", 0).allowed);
    const auto first = r.take("alice", 0);
    EXPECT_FALSE(first.allowed);
    EXPECT_TRUE(first.log);
    EXPECT_FALSE(r.take("alice", 10).log);
    EXPECT_TRUE(r.take("bob", 10).allowed);
    EXPECT_TRUE(r.take("bob", 10).log);  // another account logs its own
    int logged = 0;
    for (std::int64_t t = 20; t < 60'000; t += 10) {
        const auto res = r.take("alice", t);
        if (res.log) ++logged;
    }
    EXPECT_EQ(logged, 0);
    auto next = r.take("alice", 60'000);
    if (next.allowed) next = r.take("alice", 60'000);  // a refill may let one through first
    EXPECT_FALSE(next.allowed);
    EXPECT_TRUE(next.log);  // a minute after the last line
}

TEST(PluginRateLimiter, ForgetsIdleBucketsOnly) {
    RateLimiter r({10, 5});
    for (int i = 0; i < 5; ++i)
        r.take("alice", 0);
    r.take("bob", 0);
    EXPECT_EQ(r.size(), 2U);
    r.forget_idle(400);  // bob is full again after 100 ms, alice after 500 ms
    EXPECT_EQ(r.size(), 1U);
    r.forget_idle(500);
    EXPECT_EQ(r.size(), 0U);
    // A refused and logged account keeps its bucket for the minute, so the
    // next refusal is not logged again at once.
    for (int i = 0; i < 6; ++i)
        r.take("carol", 1000);
    r.forget_idle(10'000);
    EXPECT_EQ(r.size(), 1U);
    r.forget_idle(61'000);
    EXPECT_EQ(r.size(), 0U);
}

TEST(PluginRateLimiter, TheTableIsBounded) {
    RateLimiter r({1, 1});
    for (std::size_t i = 0; i < kMaxRateBuckets + 10; ++i)
        r.take("u" + std::to_string(i), 0);
    EXPECT_EQ(r.size(), kMaxRateBuckets);
    r.take("late", 2000);  // everyone is idle by then: swept to make room
    EXPECT_EQ(r.size(), 1U);
}

// --- LogThrottle ---------------------------------------------------------------------------

TEST(PluginLogThrottle, OneLinePerIntervalCountingTheRest) {
    LogThrottle t(60);
    EXPECT_EQ(t.note("bad", 1000), "bad");
    EXPECT_EQ(t.note("bad", 1001), "");
    EXPECT_EQ(t.note("worse", 1059), "");
    EXPECT_EQ(t.note("bad", 1060), "bad (2 more like it since the last such line)");
    EXPECT_EQ(t.note("bad", 1200), "bad");
}

}  // namespace
}  // namespace mqchat::plugin
