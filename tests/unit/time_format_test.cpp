// ISO-8601 parsing and formatting, and the local clock (under TZ=UTC and two
// POSIX TZ strings, so no time zone database is needed).
#include "core/time_format.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace mqchat {
namespace {

// ctest runs the unit tests with TZ=UTC; this makes a direct run agree.
class UtcEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};
[[maybe_unused]] ::testing::Environment* const kUtc =
    ::testing::AddGlobalTestEnvironment(new UtcEnvironment);

// Sets TZ for one test and puts UTC back.
class ScopedTz {
  public:
    explicit ScopedTz(const char* tz) {
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~ScopedTz() {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    ScopedTz(const ScopedTz&) = delete;
    ScopedTz& operator=(const ScopedTz&) = delete;
};

constexpr std::int64_t kTime = 1732441260000;  // 2024-11-24T09:41:00Z

TEST(ParseIso8601, UtcWithZ) {
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00Z"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24t09:41:00z"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24 09:41:00Z"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41Z"), kTime);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
}

TEST(ParseIso8601, Fractions) {
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.123Z"), kTime + 123);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.1Z"), kTime + 100);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.12Z"), kTime + 120);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.123456789Z"), kTime + 123);  // truncated to ms
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00,5Z"), kTime + 500);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.000Z"), kTime);
}

TEST(ParseIso8601, Offsets) {
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T11:41:00+02:00"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T11:41:00+0200"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T04:41:00-05:00"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T15:11:00+05:30"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00+00:00"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00-00:00"), kTime);
    EXPECT_EQ(parse_iso8601_ms("2024-11-24T09:41:00.123+02:00"), kTime + 123 - 7200000);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.500-00:30"), 1800500);
    EXPECT_EQ(parse_iso8601_ms("2024-11-25T00:41:00+15:00"), kTime);  // crosses the date line
}

TEST(ParseIso8601, DateOnlyIsMidnightUtc) {
    EXPECT_EQ(parse_iso8601_ms("2024-11-24"), 1732406400000);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01"), 0);
}

TEST(ParseIso8601, CalendarEdges) {
    EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59.999Z"), -1);
    EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59Z"), -1000);
    EXPECT_EQ(parse_iso8601_ms("2000-02-29T00:00:00Z"), 951782400000);
    EXPECT_EQ(parse_iso8601_ms("1900-03-01"), -2203891200000);
    EXPECT_EQ(parse_iso8601_ms("0001-01-01"), -62135596800000);
    EXPECT_EQ(parse_iso8601_ms("9999-12-31T23:59:59.999Z"), 253402300799999);
    EXPECT_EQ(parse_iso8601_ms("2016-12-31T23:59:60Z"), 1483228800000);  // a leap second
}

TEST(ParseIso8601, Garbage) {
    for (const char* text : {"",
                             "junk",
                             "2024",
                             "2024-11",
                             "2024-1-24",
                             "2024-13-01",
                             "2024-00-10",
                             "2024-11-00",
                             "2024-11-32",
                             "2024-11-24x",
                             " 2024-11-24",
                             "2024/11/24",
                             "+2024-11-24",
                             "1732412345678",
                             "2024-11-24T",
                             "2024-11-24T9:41:00Z",
                             "2024-11-24T24:00:00Z",
                             "2024-11-24T09:60:00Z",
                             "2024-11-24T09:41:61Z",
                             "2024-11-24T09:41:00",
                             "2024-11-24T09Z",
                             "2024-11-24T09:41:00.Z",
                             "2024-11-24T09:41:00Zjunk",
                             "2024-11-24T09:41:00Z ",
                             "2024-11-24T09:41:00+2",
                             "2024-11-24T09:41:00+02:",
                             "2024-11-24T09:41:00+24:00",
                             "2024-11-24T09:41:00+02:60",
                             "2024-11-24T09:41:00+02:00junk",
                             "2024-11-24T09:41:00 UTC",
                             "２０２４-11-24",
                             "2024-11-24T09:41:00\xef\xbc\xba"}) {
        EXPECT_EQ(parse_iso8601_ms(text), std::nullopt) << text;
    }
}

TEST(ParseIso8601, EmbeddedNulIsGarbage) {
    EXPECT_EQ(parse_iso8601_ms(std::string_view("2024-11-24\0T09:41:00Z", 21)), std::nullopt);
}

TEST(FormatIso8601, KnownValues) {
    EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_iso8601_ms(kTime + 123), "2024-11-24T09:41:00.123Z");
    EXPECT_EQ(format_iso8601_ms(951782400000), "2000-02-29T00:00:00.000Z");
    EXPECT_EQ(format_iso8601_ms(-2203891200000), "1900-03-01T00:00:00.000Z");
    EXPECT_EQ(format_iso8601_ms(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(FormatIso8601, RoundTripsThroughTheParser) {
    for (std::int64_t ms = -62135596800000; ms < 253402300799999; ms += 987654321987) {
        const std::string text = format_iso8601_ms(ms);
        ASSERT_EQ(parse_iso8601_ms(text), ms) << text;
    }
    for (std::int64_t ms = -5000; ms <= 5000; ms += 7)
        ASSERT_EQ(parse_iso8601_ms(format_iso8601_ms(ms)), ms);
}

TEST(FormatIso8601, ExtremesDoNotCrash) {
    for (std::int64_t ms : {INT64_MIN, INT64_MIN + 1, INT64_MAX, std::int64_t{-62167219200001}}) {
        const std::string text = format_iso8601_ms(ms);
        ASSERT_FALSE(text.empty());
        EXPECT_EQ(text.back(), 'Z') << text;
    }
}

TEST(FormatClock, Utc) {
    EXPECT_EQ(format_clock(0), "00:00:00");
    EXPECT_EQ(format_clock(kTime), "09:41:00");
    EXPECT_EQ(format_clock(kTime + 999), "09:41:00");
    EXPECT_EQ(format_clock(-1), "23:59:59");
    EXPECT_EQ(format_clock(86399999), "23:59:59");
    EXPECT_EQ(format_clock(1483228799999), "23:59:59");
}

TEST(FormatClock, FollowsTz) {
    {
        const ScopedTz tz("XYZ-2");  // POSIX: two hours east of UTC
        EXPECT_EQ(format_clock(0), "02:00:00");
    }
    {
        const ScopedTz tz("EST5EDT,M3.2.0,M11.1.0");         // daylight saving included
        EXPECT_EQ(format_clock(1704110400000), "07:00:00");  // 2024-01-01T12:00:00Z, EST
        EXPECT_EQ(format_clock(1719835200000), "08:00:00");  // 2024-07-01T12:00:00Z, EDT
    }
    EXPECT_EQ(format_clock(0), "00:00:00");
}

TEST(FormatClock, ExtremesGiveEightCharacters) {
    for (std::int64_t ms : {INT64_MIN, INT64_MAX, std::int64_t{-62167219200001}})
        EXPECT_EQ(format_clock(ms).size(), 8U);
}

TEST(FormatDay, LocalDateInEnglish) {
    EXPECT_EQ(format_day(kTime), "Sun 24 Nov 2024");
    EXPECT_EQ(local_day(kTime), 20241124);
    EXPECT_EQ(format_day(0), "Thu 1 Jan 1970");
    EXPECT_EQ(format_day(-1), "Wed 31 Dec 1969");
    const ScopedTz tz("XYZ-10");  // the date moves with the zone
    EXPECT_EQ(format_day(kTime + 15 * 3600 * 1000), "Mon 25 Nov 2024");
    EXPECT_EQ(local_day(kTime + 15 * 3600 * 1000), 20241125);
}

// Timestamps come from other clients: the far ends of int64 must not overflow.
TEST(FormatDay, ExtremeTimestamps) {
    for (const std::int64_t ms :
         {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
          std::int64_t{9223372036854775} * 1000}) {
        EXPECT_FALSE(format_day(ms).empty());
        const auto day = local_day(ms);
        EXPECT_TRUE(!day || *day != 0);
    }
}

}  // namespace
}  // namespace mqchat
