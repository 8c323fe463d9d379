// The bounded de-duplication memory of message ids.
#include "core/recent_ids.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mqchat {
namespace {

TEST(RecentIds, FirstSightOnly) {
    RecentIds ids;
    EXPECT_TRUE(ids.insert("a"));
    EXPECT_FALSE(ids.insert("a"));
    EXPECT_TRUE(ids.insert("b"));
    EXPECT_TRUE(ids.contains("a"));
    EXPECT_FALSE(ids.contains("c"));
    EXPECT_EQ(ids.size(), 2U);
}

TEST(RecentIds, ForgetsTheOldestBeyondCapacity) {
    RecentIds ids(3);
    for (const char* id : {"a", "b", "c", "d"})
        EXPECT_TRUE(ids.insert(id));
    EXPECT_EQ(ids.size(), 3U);
    EXPECT_FALSE(ids.contains("a"));
    EXPECT_TRUE(ids.contains("b"));
    EXPECT_TRUE(ids.contains("d"));
    EXPECT_FALSE(ids.insert("d"));
    EXPECT_TRUE(ids.insert("a"));  // forgotten, so new again; now "b" goes
    EXPECT_FALSE(ids.contains("b"));
    EXPECT_EQ(ids.size(), 3U);
}

TEST(RecentIds, RepeatsDoNotRefreshOrGrow) {
    RecentIds ids(2);
    ids.insert("a");
    ids.insert("b");
    for (int i = 0; i < 10; ++i)
        EXPECT_FALSE(ids.insert("a"));
    EXPECT_EQ(ids.size(), 2U);
    ids.insert("c");
    EXPECT_FALSE(ids.contains("a"));  // insertion order, not last use
}

TEST(RecentIds, DefaultCapacityHoldsALongHistory) {
    RecentIds ids;
    for (int i = 0; i < 20000; ++i)
        ASSERT_TRUE(ids.insert("id-" + std::to_string(i)));
    EXPECT_TRUE(ids.contains("id-0"));
    EXPECT_TRUE(ids.insert("id-20000"));
    EXPECT_FALSE(ids.contains("id-0"));
    EXPECT_EQ(ids.size(), 20000U);
}

TEST(RecentIds, EmptyIdIsAnId) {
    RecentIds ids;
    EXPECT_TRUE(ids.insert(""));
    EXPECT_FALSE(ids.insert(""));
}

}  // namespace
}  // namespace mqchat
