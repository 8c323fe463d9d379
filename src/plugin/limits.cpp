// Revocations, quotas, rate buckets and log throttling: all bounded.
#include "limits.hpp"

#include <algorithm>

namespace mqchat::plugin {

bool ExpiringSet::add(const std::string& key, std::int64_t until) {
    if (const auto it = until_.find(key); it != until_.end()) {
        if (until > it->second) {
            by_until_.erase({it->second, key});
            it->second = until;
            by_until_.insert({until, key});
        }
        return false;
    }
    if (until_.size() >= capacity_) {
        if (capacity_ == 0 || until <= by_until_.begin()->first) return false;
        erase(until_.find(by_until_.begin()->second));
    }
    until_.emplace(key, until);
    by_until_.insert({until, key});
    return true;
}

bool ExpiringSet::contains(std::string_view key, std::int64_t now) const {
    const auto it = until_.find(key);
    return it != until_.end() && now < it->second;
}

void ExpiringSet::expire(std::int64_t now) {
    while (!by_until_.empty() && by_until_.begin()->first <= now)
        erase(until_.find(by_until_.begin()->second));
}

void ExpiringSet::erase(std::map<std::string, std::int64_t, std::less<>>::iterator it) {
    by_until_.erase({it->second, it->first});
    until_.erase(it);
}

QuotaTable::Change QuotaTable::set(const std::string& user, bool over, const std::string& reason) {
    const auto it = over_.find(user);
    if (!over) {
        if (it == over_.end()) return Change::none;
        over_.erase(it);
        return Change::cleared;
    }
    if (it != over_.end()) {
        if (it->second == reason) return Change::none;
        it->second = reason;
        return Change::over;
    }
    if (over_.size() >= kMaxQuotaEntries) return Change::full;
    over_.emplace(user, reason);
    return Change::over;
}

void RateLimiter::refill(Bucket& b, std::int64_t now_ms) const {
    const std::int64_t elapsed = std::max<std::int64_t>(0, now_ms - b.updated_ms);
    b.updated_ms = std::max(b.updated_ms, now_ms);
    // Past the time a whole refill takes, the bucket is full (and the
    // product below cannot overflow).
    if (elapsed >= capacity() / limit_.per_second + 1)
        b.milli = capacity();
    else
        b.milli = std::min(capacity(), b.milli + elapsed * limit_.per_second);
}

RateLimiter::Result RateLimiter::take(std::string_view user, std::int64_t now_ms) {
    if (limit_.per_second <= 0) return {};
    auto it = buckets_.find(user);
    if (it == buckets_.end()) {
        // A full table that sweeping cannot shrink means more accounts are
        // publishing at once than any front admits: count nobody new.
        if (buckets_.size() >= kMaxRateBuckets) forget_idle(now_ms);
        if (buckets_.size() >= kMaxRateBuckets) return {};
        it = buckets_.emplace(std::string(user), Bucket{capacity(), now_ms, -1}).first;
    }
    Bucket& b = it->second;
    refill(b, now_ms);
    if (b.milli >= 1000) {
        b.milli -= 1000;
        return {};
    }
    const bool log = b.logged_ms < 0 || now_ms - b.logged_ms >= kLogIntervalMs;
    if (log) b.logged_ms = now_ms;
    return {false, log};
}

bool RateLimiter::idle(const Bucket& b, std::int64_t now_ms) const {
    Bucket refilled = b;
    refill(refilled, now_ms);
    return refilled.milli == capacity() &&
           (b.logged_ms < 0 || now_ms - b.logged_ms >= kLogIntervalMs);
}

void RateLimiter::forget_idle(std::int64_t now_ms) {
    std::erase_if(buckets_, [&](const auto& entry) { return idle(entry.second, now_ms); });
}

std::string LogThrottle::note(const std::string& line, std::int64_t now_s) {
    if (logged_ && now_s - last_s_ < interval_s_) {
        ++left_out_;
        return {};
    }
    std::string out = line;
    if (left_out_ > 0)
        out += " (" + std::to_string(left_out_) + " more like it since the last such line)";
    logged_ = true;
    last_s_ = now_s;
    left_out_ = 0;
    return out;
}

}  // namespace mqchat::plugin
