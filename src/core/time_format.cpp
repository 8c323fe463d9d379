// ISO-8601 parsing and formatting on the proleptic Gregorian calendar.
#include "time_format.hpp"

#include <cstdio>
#include <ctime>

namespace mqchat {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

class Cursor {
  public:
    explicit Cursor(std::string_view s) : s_(s) {}
    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    std::optional<unsigned> digits(std::size_t n) {
        unsigned v = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const char c = peek();
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(c - '0');
            ++i_;
        }
        return v;
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view text) {
    Cursor c(text);
    const auto year = c.digits(4);
    if (!year || !c.eat('-')) return std::nullopt;
    const auto month = c.digits(2);
    if (!month || !c.eat('-')) return std::nullopt;
    const auto day = c.digits(2);
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
    std::int64_t seconds = days_from_civil(*year, *month, *day) * 86400;
    std::int64_t millis = 0;
    if (c.done()) return seconds * 1000;
    if (!c.eat('T') && !c.eat('t') && !c.eat(' ')) return std::nullopt;
    const auto hh = c.digits(2);
    if (!hh || !c.eat(':')) return std::nullopt;
    const auto mm = c.digits(2);
    if (!mm) return std::nullopt;
    std::optional<unsigned> ss = 0U;
    if (c.eat(':')) ss = c.digits(2);
    if (!ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
    seconds += *hh * 3600 + *mm * 60 + *ss;
    if (c.eat('.') || c.eat(',')) {
        int scale = 100;
        bool any = false;
        while (c.peek() >= '0' && c.peek() <= '9') {
            millis += (c.peek() - '0') * scale;
            scale /= 10;
            any = true;
            c.eat(c.peek());
        }
        if (!any) return std::nullopt;
    }
    if (c.eat('Z') || c.eat('z'))
        return c.done() ? std::optional(seconds * 1000 + millis) : std::nullopt;
    const char sign = c.peek();
    if (sign != '+' && sign != '-') return std::nullopt;
    c.eat(sign);
    const auto oh = c.digits(2);
    if (!oh) return std::nullopt;
    c.eat(':');
    const auto om = c.digits(2);
    if (!om || !c.done() || *oh > 23 || *om > 59) return std::nullopt;
    // Signed arithmetic: the digits are unsigned, and a negative offset must not wrap.
    const std::int64_t offset =
        static_cast<std::int64_t>(*oh * 3600 + *om * 60) * (sign == '+' ? 1 : -1);
    return (seconds - offset) * 1000 + millis;
}

std::string format_iso8601_ms(std::int64_t ms) {
    const std::int64_t secs = floor_div(ms, 1000);
    const auto millis =
        static_cast<int>((ms % 1000 + 1000) % 1000);  // secs * 1000 overflows at INT64_MIN
    const std::int64_t days = floor_div(secs, 86400);
    const auto sod = static_cast<int>(secs - days * 86400);
    const Civil c = civil_from_days(days);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(c.year), c.month, c.day, sod / 3600, sod / 60 % 60,
                  sod % 60, millis);
    return buf;
}

namespace {

// Local time through the C library (TZ rules, daylight saving).
std::optional<std::tm> local_tm(std::int64_t ms) {
    const auto secs = static_cast<std::time_t>(floor_div(ms, 1000));
    std::tm local{};
    if (!localtime_r(&secs, &local)) return std::nullopt;
    return local;
}

}  // namespace

std::string format_clock(std::int64_t ms) {
    const auto t = local_tm(ms);
    if (!t) return "--:--:--";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", t->tm_hour, t->tm_min, t->tm_sec);
    return buf;
}

std::optional<std::int64_t> local_day(std::int64_t ms) {
    const auto t = local_tm(ms);
    if (!t) return std::nullopt;
    // 64 bits: a hostile timestamp can be in the year 292,278,994.
    return (std::int64_t{t->tm_year} + 1900) * 10000 + (t->tm_mon + 1) * 100 + t->tm_mday;
}

std::string format_day(std::int64_t ms) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto t = local_tm(ms);
    if (!t || t->tm_wday < 0 || t->tm_wday > 6 || t->tm_mon < 0 || t->tm_mon > 11) return "?";
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s %d %s %lld", kDays[t->tm_wday], t->tm_mday,
                  kMonths[t->tm_mon], static_cast<long long>(t->tm_year) + 1900);
    return buf;
}

}  // namespace mqchat
