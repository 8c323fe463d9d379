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
    EXPECT_TRUE(revoke(*store_, "Bearer " + s.secret, 2000));
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

constexpr LoginLimits kLimits{.per_email = 5, .per_address = 50, .window_ms = 300000};

TEST(ServerRateLimiter, DefaultsAreFivePerEmailAndFiftyPerAddressIn5Minutes) {
    const LoginLimits defaults;
    EXPECT_EQ(defaults.per_email, kLimits.per_email);
    EXPECT_EQ(defaults.per_address, kLimits.per_address);
    EXPECT_EQ(defaults.window_ms, kLimits.window_ms);
}

TEST(ServerRateLimiter, FifthFailureLocksTheEmailForTheRestOfTheWindow) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 4; ++i)
        limiter.record_failure("alice@x", "10.0.0." + std::to_string(i), 1000 + i);
    EXPECT_FALSE(limiter.locked("alice@x", "10.0.0.9", 2000));
    limiter.record_failure("alice@x", "10.0.0.5", 2000);
    EXPECT_TRUE(limiter.locked("alice@x", "10.0.0.9", 2001));
    EXPECT_FALSE(limiter.locked("bob@x", "10.0.0.9", 2001));
    EXPECT_TRUE(limiter.locked("alice@x", "10.0.0.9", 1000 + 299999));
    EXPECT_FALSE(limiter.locked("alice@x", "10.0.0.9", 1000 + 300000));  // window over
}

// Everyone behind one NAT shares an address: one user's typos lock that
// user's email, not the address.
TEST(ServerRateLimiter, OneEmailsFailuresDoNotLockItsAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 5; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1000);
    EXPECT_TRUE(limiter.locked("alice@x", "10.0.0.1", 1001));
    EXPECT_FALSE(limiter.locked("bob@x", "10.0.0.1", 1001));
    // More failures for the locked email (a client retrying blindly) are not
    // counted against the address either until its own budget is spent.
    for (int i = 0; i < 40; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1002);
    EXPECT_FALSE(limiter.locked("bob@x", "10.0.0.1", 1003));
}

TEST(ServerRateLimiter, FiftyFailuresFromOneAddressLockThatAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 49; ++i)  // password spraying: each email stays under 5
        limiter.record_failure("user" + std::to_string(i) + "@x", "10.0.0.1", 1000 + i);
    EXPECT_FALSE(limiter.locked("fresh@x", "10.0.0.1", 2000));
    limiter.record_failure("user49@x", "10.0.0.1", 2000);
    EXPECT_TRUE(limiter.locked("fresh@x", "10.0.0.1", 2001));
    EXPECT_FALSE(limiter.locked("fresh@x", "10.0.0.2", 2001));
    EXPECT_TRUE(limiter.locked("fresh@x", "10.0.0.1", 1000 + 299999));
    EXPECT_FALSE(limiter.locked("fresh@x", "10.0.0.1", 1000 + 300000));  // window over
}

TEST(ServerRateLimiter, SuccessClearsTheEmailButNotTheAddress) {
    LoginRateLimiter limiter(kLimits);
    for (int i = 0; i < 4; ++i)
        limiter.record_failure("alice@x", "10.0.0.1", 1000);
    limiter.record_success("alice@x");
    limiter.record_failure("alice@x", "10.0.0.2", 1001);
    EXPECT_FALSE(limiter.locked("alice@x", "10.0.0.3", 1002));
    // The sprayer's own account logging in between guesses buys nothing.
    for (int i = 0; i < 45; ++i) {
        limiter.record_failure("victim" + std::to_string(i) + "@x", "10.0.0.1", 1003);
        if (i % 10 == 0) limiter.record_success("mallory@x");
    }
    EXPECT_FALSE(limiter.locked("carol@x", "10.0.0.1", 1004));  // 4 + 45 = 49
    limiter.record_failure("victim@x", "10.0.0.1", 1005);
    EXPECT_TRUE(limiter.locked("carol@x", "10.0.0.1", 1006));
}

TEST(ServerRateLimiter, OldWindowsArePrunedUnderPressure) {
    LoginRateLimiter limiter({.per_email = 5, .per_address = 50, .window_ms = 1000});
    for (int i = 0; i < 6000; ++i)
        limiter.record_failure("u" + std::to_string(i) + "@x", "a" + std::to_string(i), 0);
    EXPECT_GT(limiter.tracked_keys(), 10000U);
    limiter.record_failure("late@x", "late", 5000);
    EXPECT_EQ(limiter.tracked_keys(), 2U);
}

}  // namespace
