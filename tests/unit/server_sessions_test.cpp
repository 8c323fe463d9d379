// Login sessions and the login rate limiter.
#include <gtest/gtest.h>

#include "server/rate_limiter.hpp"
#include "server/sessions.hpp"
#include "server_scratch.hpp"

namespace {

using namespace mqchat::server;

class ServerSessions : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = Store::open(dir_.file("db"));
        store_->insert_user({"alice", "alice@example.org", "Alice", "hash", 0});
    }
    servertest::ScratchDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(ServerSessions, SecretIs32RandomBytesStoredOnlyAsItsDigest) {
    const auto s = create_session(*store_, "alice", 1000);
    EXPECT_EQ(s.secret.size(), 43U);
    EXPECT_EQ(s.expires_at, 1000 + kSessionLifetimeMs);
    EXPECT_NE(create_session(*store_, "alice", 1000).secret, s.secret);
    EXPECT_FALSE(store_->session_user(s.secret, 2000));  // the secret itself is no key
    EXPECT_EQ(store_->session_user(session_digest(s.secret), 2000)->id, "alice");
    EXPECT_EQ(session_digest(s.secret).size(), 64U);
}

TEST_F(ServerSessions, DigestIsSha256Hex) {
    EXPECT_EQ(session_digest("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ServerSessions, AuthenticatesABearerHeaderUntilExpiry) {
    const auto s = create_session(*store_, "alice", 1000);
    EXPECT_EQ(authenticate(*store_, "Bearer " + s.secret, 2000)->id, "alice");
    EXPECT_EQ(authenticate(*store_, "bearer  " + s.secret + " ", 2000)->id, "alice");
    EXPECT_FALSE(authenticate(*store_, "Bearer " + s.secret, s.expires_at));
    EXPECT_FALSE(authenticate(*store_, s.secret, 2000));
    EXPECT_FALSE(authenticate(*store_, "Basic " + s.secret, 2000));
    EXPECT_FALSE(authenticate(*store_, "Bearer x" + s.secret, 2000));
    EXPECT_FALSE(authenticate(*store_, "", 2000));
}

TEST_F(ServerSessions, RevokedSessionsStopWorking) {
    const auto s = create_session(*store_, "alice", 1000);
    const auto other = create_session(*store_, "alice", 1000);
    EXPECT_EQ(revoke(*store_, "Bearer " + s.secret, 2000), session_digest(s.secret));
    EXPECT_FALSE(authenticate(*store_, "Bearer " + s.secret, 2001));
    EXPECT_FALSE(revoke(*store_, "Bearer " + s.secret, 2002));
    EXPECT_TRUE(authenticate(*store_, "Bearer " + other.secret, 2003));  // only that one
}

TEST(ServerBearer, ParsesOnlyPlausibleSecrets) {
    EXPECT_EQ(bearer_secret("Bearer abc-_XYZ09"), "abc-_XYZ09");
    EXPECT_EQ(bearer_secret("BEARER abc"), "abc");
    EXPECT_FALSE(bearer_secret("Bearer"));
    EXPECT_FALSE(bearer_secret("Bearer "));
    EXPECT_FALSE(bearer_secret("Bearer a b"));
    EXPECT_FALSE(bearer_secret("Bearer a\r\nX-Evil: 1"));
    EXPECT_FALSE(bearer_secret("Bearer " + std::string(300, 'a')));
}

constexpr LoginLimits kLimits{};

// The pair's wait before its next attempt, or 0.
std::int64_t wait(LoginRateLimiter& limiter, const std::string& account, const std::string& address,
                  std::int64_t now) {
    return limiter.check(account, address, now).wait_ms;
}

TEST(ServerRateLimiter, Defaults) {
    EXPECT_EQ(kLimits.free_failures, 5);
    EXPECT_EQ(kLimits.first_delay_ms, 1000);
    EXPECT_EQ(kLimits.max_delay_ms, 300000);
    EXPECT_EQ(kLimits.per_address, 50);
    EXPECT_EQ(kLimits.address_window_ms, 300000);
}

TEST(ServerRateLimiter, FiveFreeFailuresThenDoublingDelaysCappedAtFiveMinutes) {
    LoginRateLimiter limiter(kLimits);
    std::int64_t now = 1000;
    for (int i = 0; i < 4; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", now);
    EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", now), 0);
    limiter.record_failure("alice@x", "10.0.0.1", now);
    std::int64_t expected = 1000;
    for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", now), expected) << i;
        EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", now + expected - 1), 1) << i;
        now += expected;
        EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", now), 0) << i;
        limiter.record_failure("alice@x", "10.0.0.1", now);
        expected = std::min<std::int64_t>(expected * 2, 300000);
    }
    EXPECT_EQ(expected, 300000);
}

// Nobody can lock the owner out: failures from other addresses (an
// attacker's, or a whole botnet's) never delay an address without failures.
TEST(ServerRateLimiter, OthersFailuresNeverDelayTheOwner) {
    LoginRateLimiter limiter(kLimits);
    for (int a = 0; a < 200; ++a)
        for (int i = 0; i < 20; ++i)
            limiter.record_failure("alice@x", "203.0.113." + std::to_string(a), 1000);
    EXPECT_EQ(wait(limiter, "alice@x", "198.51.100.7", 1001), 0);
    EXPECT_GT(wait(limiter, "alice@x", "203.0.113.5", 1001), 0);
    EXPECT_EQ(wait(limiter, "bob@x", "10.0.0.1", 1001), 0);
}

// Everyone behind one NAT shares an address: one user's typos delay that
// user's account from there, not the others'.
TEST(ServerRateLimiter, OneAccountsFailuresDoNotDelayOthersAtTheAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 5; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1000);
    EXPECT_GT(wait(limiter, "alice@x", "10.0.0.1", 1001), 0);
    EXPECT_EQ(wait(limiter, "bob@x", "10.0.0.1", 1001), 0);
}

TEST(ServerRateLimiter, FiftyFailuresFromOneAddressLimitThatAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 49; ++i)  // password spraying: each account stays under 5
        limiter.record_failure("user" + std::to_string(i) + "@x", "10.0.0.1", 1000 + i);
    EXPECT_EQ(wait(limiter, "fresh@x", "10.0.0.1", 2000), 0);
    limiter.record_failure("user49@x", "10.0.0.1", 2000);
    const auto gate = limiter.check("fresh@x", "10.0.0.1", 2001);
    EXPECT_TRUE(gate.by_address);
    EXPECT_EQ(gate.wait_ms, 1000 + 300000 - 2001);
    EXPECT_EQ(wait(limiter, "fresh@x", "10.0.0.2", 2001), 0);
    EXPECT_EQ(wait(limiter, "fresh@x", "10.0.0.1", 1000 + 300000), 0);  // window over
}

TEST(ServerRateLimiter, SuccessClearsThePairButNotTheAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 5; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1000);
    limiter.record_success("alice@x", "10.0.0.1");
    limiter.record_failure("alice@x", "10.0.0.1", 1001);
    EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", 1002), 0);
    // The sprayer's own account logging in between guesses buys nothing.
    for (int i = 0; i < 43; ++i) {
        limiter.record_failure("victim" + std::to_string(i) + "@x", "10.0.0.1", 1003);
        if (i % 10 == 0) limiter.record_success("mallory@x", "10.0.0.1");
    }
    EXPECT_EQ(wait(limiter, "carol@x", "10.0.0.1", 1004), 0);  // 5 + 1 + 43 = 49
    limiter.record_failure("victim@x", "10.0.0.1", 1005);
    EXPECT_GT(wait(limiter, "carol@x", "10.0.0.1", 1006), 0);
}

TEST(ServerRateLimiter, QuietPairsAreForgotten) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 8; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1000);
    const std::int64_t later = 1000 + kLimits.forget_after_ms;
    limiter.record_failure("alice@x", "10.0.0.1", later);  // counts as the first again
    EXPECT_EQ(wait(limiter, "alice@x", "10.0.0.1", later), 0);
}

TEST(ServerRateLimiter, MemoryIsBounded) {
    LoginRateLimiter limiter({.max_entries = 100});
    for (int i = 0; i < 1000; ++i)
        limiter.record_failure("u" + std::to_string(i) + "@x", "a" + std::to_string(i), i);
    EXPECT_LE(limiter.tracked_pairs(), 100U);
    EXPECT_LE(limiter.tracked_addresses(), 100U);
    // The newest entries are the ones kept.
    for (int i = 0; i < 4; ++i)
        limiter.record_failure("u999@x", "a999", 1000);
    EXPECT_GT(wait(limiter, "u999@x", "a999", 1000), 0);
}

}  // namespace
