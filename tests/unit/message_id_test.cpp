// ULID generation (format, ordering, embedded time) and derived message ids.
#include "core/message_id.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace mqchat {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool is_ulid_text(const std::string& id) {
    if (id.size() != 26) return false;
    if (id[0] > '7') return false;  // 128 bits in 130: the first digit holds 3 bits
    for (char c : id)
        if (kCrockford.find(c) == std::string_view::npos) return false;
    return true;
}

TEST(Ulid, Is26CrockfordCharacters) {
    auto gen = UlidGenerator::seeded(1);
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1732412345678},
                           std::int64_t{281474976710655}}) {
        const std::string id = gen.next(t);
        EXPECT_TRUE(is_ulid_text(id)) << id;
    }
}

TEST(Ulid, TimeRoundTrips) {
    auto gen = UlidGenerator::seeded(7);
    for (std::int64_t t :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{1000}, std::int64_t{1732412345678},
          std::int64_t{4102444800000}, std::int64_t{281474976710655}}) {
        const std::string id = gen.next(t);
        EXPECT_EQ(ulid_time_ms(id), t) << id;
    }
}

TEST(Ulid, KnownTimePrefix) {
    auto gen = UlidGenerator::seeded(3);
    // 1732412345678 ms = 0x1935BD28D4E: the first ten digits spell the time.
    EXPECT_EQ(gen.next(1732412345678).substr(0, 10), "01JDDX53AE");
    EXPECT_EQ(gen.next(281474976710655).substr(0, 10), "7ZZZZZZZZZ");
}

TEST(Ulid, StrictlyIncreasingWithinOneMillisecond) {
    auto gen = UlidGenerator::seeded(42);
    std::string previous = gen.next(1732412345678);
    for (int i = 0; i < 100000; ++i) {
        const std::string id = gen.next(1732412345678);
        ASSERT_LT(previous, id) << "at " << i;
        ASSERT_EQ(ulid_time_ms(id), 1732412345678);
        previous = id;
    }
}

TEST(Ulid, StrictlyIncreasingWhenTheClockGoesBack) {
    auto gen = UlidGenerator::seeded(42);
    const std::string a = gen.next(2000);
    const std::string b = gen.next(1000);  // clock stepped back
    const std::string c = gen.next(1999);
    const std::string d = gen.next(2001);
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_LT(c, d);
    EXPECT_EQ(ulid_time_ms(b), 2000);  // keeps the newest time seen
    EXPECT_EQ(ulid_time_ms(d), 2001);
}

TEST(Ulid, StrictlyIncreasingOverAdvancingTime) {
    auto gen = UlidGenerator::seeded(9);
    std::string previous;
    for (std::int64_t t = 1732412345000; t < 1732412346000; t += 3) {
        for (int k = 0; k < 3; ++k) {
            const std::string id = gen.next(t);
            ASSERT_LT(previous, id);
            previous = id;
        }
    }
}

TEST(Ulid, NegativeTimeIsClampedToZero) {
    auto gen = UlidGenerator::seeded(5);
    const std::string id = gen.next(-5);
    EXPECT_TRUE(is_ulid_text(id));
    EXPECT_EQ(ulid_time_ms(id), 0);
}

TEST(Ulid, SeedsGiveDifferentRandomParts) {
    auto a = UlidGenerator::seeded(1);
    auto b = UlidGenerator::seeded(2);
    auto c = UlidGenerator::seeded(1);
    const std::string ia = a.next(1000);
    const std::string ib = b.next(1000);
    EXPECT_EQ(ia.substr(0, 10), ib.substr(0, 10));
    EXPECT_NE(ia, ib);
    EXPECT_EQ(c.next(1000), ia);  // deterministic for a seed
}

TEST(Ulid, ManyIdsAreUnique) {
    auto gen = UlidGenerator::seeded(11);
    std::set<std::string> ids;
    for (int i = 0; i < 10000; ++i)
        ids.insert(gen.next(1000 + i / 100));
    EXPECT_EQ(ids.size(), 10000U);
}

TEST(UlidTime, RejectsWhatIsNotAUlid) {
    EXPECT_EQ(ulid_time_ms(""), -1);
    EXPECT_EQ(ulid_time_ms("01JDDX53AE"), -1);
    EXPECT_EQ(ulid_time_ms(std::string(27, '0')), -1);
    EXPECT_EQ(ulid_time_ms("01JDDX53AE000000000000000I"),
              -1);  // I, L, O, U are not Crockford digits
    EXPECT_EQ(ulid_time_ms("01JDDX53AE00000000000000U0"), -1);
    EXPECT_EQ(ulid_time_ms("01JDDX53AE-000000000000000"), -1);
    EXPECT_EQ(ulid_time_ms("h-921773970e830f58cfcaf10f"), -1);
    EXPECT_EQ(ulid_time_ms("00000000000000000000000000"), 0);
}

TEST(DerivedId, IsHPrefixAnd32Hex) {
    const std::string id = derive_message_id("alice", 1732412345678, "hi");
    ASSERT_EQ(id.size(), 34U);
    EXPECT_EQ(id.substr(0, 2), "h-");
    for (char c : id.substr(2))
        EXPECT_NE(std::string_view("0123456789abcdef").find(c), std::string_view::npos);
}

TEST(DerivedId, IsStable) {
    // Every reader, in every process and version, must compute the same id.
    EXPECT_EQ(derive_message_id("alice", 1732412345678, "hi"),
              "h-921773970e830f58cfcaf10fa48458a0");
    EXPECT_EQ(derive_message_id("alice", 1732412345678, "hi"),
              derive_message_id("alice", 1732412345678, "hi"));
}

TEST(DerivedId, DependsOnEveryField) {
    const std::string base = derive_message_id("alice", 1000, "hi");
    EXPECT_NE(derive_message_id("alicf", 1000, "hi"), base);
    EXPECT_NE(derive_message_id("alice", 1001, "hi"), base);
    EXPECT_NE(derive_message_id("alice", 1000, "hj"), base);
    EXPECT_NE(derive_message_id("", 1000, "hi"), base);
    EXPECT_NE(derive_message_id("alice", -1000, "hi"), base);
}

TEST(DerivedId, FieldBoundariesMatter) {
    EXPECT_NE(derive_message_id("ab", 1, "c"), derive_message_id("a", 1, "bc"));
    EXPECT_NE(derive_message_id("a1", 2, "x"), derive_message_id("a", 12, "x"));
    EXPECT_NE(derive_message_id("", 0, "0"), derive_message_id("0", 0, ""));
}

TEST(DerivedId, HandlesArbitraryBytes) {
    const std::string binary("\0\xff\x1b", 3);
    const std::string id = derive_message_id(binary, INT64_MIN, binary);
    EXPECT_EQ(id.size(), 34U);
    EXPECT_NE(id, derive_message_id(binary, INT64_MAX, binary));
}

}  // namespace
}  // namespace mqchat
