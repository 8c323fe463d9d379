// The plugin's bounded tables, free of Mosquitto and of the clock: the
// revocations (expiring keys), the users over their storage quota, the
// per-account publish rate (token buckets) and a throttle for log lines
// that a flood could otherwise multiply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace mqchat::plugin {

inline constexpr std::size_t kMaxRevocations = 100'000;
inline constexpr std::size_t kMaxQuotaEntries = 100'000;
inline constexpr std::size_t kMaxRateBuckets = 100'000;

// Keys that hold until a time (seconds since the epoch). At most `capacity`
// of them: when full, the one that would expire first is dropped, which may
// be the newcomer itself.
class ExpiringSet {
  public:
    explicit ExpiringSet(std::size_t capacity) : capacity_(capacity) {}

    // Adds `key` until `until`, or extends it when it is already there (a
    // later until wins; an earlier one changes nothing). True when the key is new.
    bool add(const std::string& key, std::int64_t until);
    bool contains(std::string_view key, std::int64_t now) const;
    // Drops every key whose time has come (until <= now).
    void expire(std::int64_t now);
    std::size_t size() const { return until_.size(); }

  private:
    void erase(std::map<std::string, std::int64_t, std::less<>>::iterator it);

    std::size_t capacity_;
    std::map<std::string, std::int64_t, std::less<>> until_;
    std::set<std::pair<std::int64_t, std::string>> by_until_;
};

// The accounts over their storage quota, each with the reason for the log.
class QuotaTable {
  public:
    enum class Change { none, over, cleared, full };

    // What changed, so the caller logs a state change once and a replay of
    // the same state not at all. `full`: the table holds kMaxQuotaEntries
    // other users and this one was not added.
    Change set(const std::string& user, bool over, const std::string& reason);
    bool over(std::string_view user) const { return over_.find(user) != over_.end(); }
    void clear() { over_.clear(); }
    std::size_t size() const { return over_.size(); }

  private:
    std::map<std::string, std::string, std::less<>> over_;
};

struct RateLimit {
    std::int64_t per_second = 100;  // 0: unlimited
    std::int64_t burst = 2000;      // publishes allowed at once after a pause
};

// One token bucket per account, in thousandths of a publish so integer
// arithmetic refills exactly. Time is a monotonic clock in milliseconds.
class RateLimiter {
  public:
    explicit RateLimiter(RateLimit limit) : limit_(limit) {}

    struct Result {
        bool allowed = true;
        bool log = false;  // the account's first refusal in kLogIntervalMs
    };
    static constexpr std::int64_t kLogIntervalMs = 60'000;

    // Takes one publish from `user`'s bucket.
    Result take(std::string_view user, std::int64_t now_ms);
    // Drops buckets that have refilled and have no log interval running:
    // they are the same as no bucket at all.
    void forget_idle(std::int64_t now_ms);
    std::size_t size() const { return buckets_.size(); }

  private:
    struct Bucket {
        std::int64_t milli = 0;  // thousandths of a publish left
        std::int64_t updated_ms = 0;
        std::int64_t logged_ms = -1;  // last refusal logged; -1: none
    };
    std::int64_t capacity() const { return limit_.burst * 1000; }
    void refill(Bucket& b, std::int64_t now_ms) const;
    bool idle(const Bucket& b, std::int64_t now_ms) const;

    RateLimit limit_;
    std::map<std::string, Bucket, std::less<>> buckets_;
};

// At most one line per interval for one kind of event: the first is logged at
// once, later ones within the interval are counted and the next line says
// how many were left out.
class LogThrottle {
  public:
    explicit LogThrottle(std::int64_t interval_s) : interval_s_(interval_s) {}

    // The line to log now for this event, or empty.
    std::string note(const std::string& line, std::int64_t now_s);

  private:
    std::int64_t interval_s_;
    std::int64_t last_s_ = 0;
    bool logged_ = false;
    std::size_t left_out_ = 0;
};

}  // namespace mqchat::plugin
