// Waiting out refusals that pass, and pacing a backlog under the server's
// per-account publish rate.
#include "core/publish_pause.hpp"

#include <gtest/gtest.h>

namespace mqchat {
namespace {

TEST(PublishPace, UnlimitedUntilTheServerNamesItsRate) {
    PublishPace pace;
    EXPECT_FALSE(pace.limited());
    EXPECT_EQ(pace.available(0), SIZE_MAX);
    EXPECT_FALSE(pace.deadline(0).has_value());
}

TEST(PublishPace, StartsEmptyAndRefillsAtNinetyPercentOfTheRate) {
    PublishPace pace;
    pace.limit(1000, 1000, 10'000);  // 900/s, at most 500 saved up
    EXPECT_EQ(pace.available(10'000), 0u) << "the refusal says the server's bucket is empty";
    ASSERT_TRUE(pace.deadline(10'000).has_value());
    EXPECT_EQ(*pace.deadline(10'000), 10'002);  // 1000 / 900 ms, rounded up
    EXPECT_EQ(pace.available(10'100), 90u);
    pace.spent(90);
    EXPECT_EQ(pace.available(10'100), 0u);
    EXPECT_EQ(pace.available(20'000), 500u) << "half the server's burst at most";
}

TEST(PublishPace, ASecondAtTheRateNeverExceedsWhatTheServerRefills) {
    PublishPace pace;
    pace.limit(100, 100, 0);
    std::size_t sent = 0;
    for (std::int64_t t = 0; t <= 1000; ++t) {
        const std::size_t n = pace.available(t);
        pace.spent(n);
        sent += n;
    }
    EXPECT_LE(sent, 90u);
    EXPECT_GE(sent, 89u);
}

TEST(PublishPause, WaitsDoublingUntilAnAcknowledgement) {
    PublishPause pause;
    ASSERT_TRUE(pause.refused(0));
    EXPECT_TRUE(pause.paused(0)) << "nothing goes out while the server is asked";
    pause.answered(true, 0);
    EXPECT_TRUE(pause.retrying());
    EXPECT_EQ(pause.deadline(0), std::optional<std::int64_t>(250));
    EXPECT_FALSE(pause.refused(100)) << "one answer stands for a second";
    EXPECT_EQ(pause.deadline(100), std::optional<std::int64_t>(600));
    pause.acknowledged();
    EXPECT_FALSE(pause.retrying());
}

TEST(PublishPause, ALastingRefusalIsNotRetried) {
    PublishPause pause;
    ASSERT_TRUE(pause.refused(0));
    pause.answered(false, 0);
    EXPECT_FALSE(pause.retrying());
    EXPECT_FALSE(pause.paused(0));
}

}  // namespace
}  // namespace mqchat
