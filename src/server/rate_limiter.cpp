// Doubling delays per (account, address) and a failure window per address.
#include "rate_limiter.hpp"

#include <algorithm>

namespace mqchat::server {
namespace {

std::string pair_key(const std::string& account, const std::string& address) {
    return account + '\n' + address;  // neither holds a newline: emails and addresses
}

// Removes the entry with the smallest `age` key, when there is one.
template <typename Map, typename Age>
void evict_oldest(Map& map, Age age) {
    const auto oldest = std::min_element(map.begin(), map.end(), [&](const auto& a, const auto& b) {
        return age(a.second) < age(b.second);
    });
    if (oldest != map.end()) map.erase(oldest);
}

}  // namespace

LoginRateLimiter::LoginRateLimiter(LoginLimits limits) : limits_(limits) {}

std::int64_t LoginRateLimiter::pair_delay(const Pair& pair) const {
    const int over = pair.failures - limits_.free_failures;
    if (over < 0) return 0;
    // 1 s << 20 is far past any sane cap; stop shifting there.
    const std::int64_t delay = limits_.first_delay_ms << std::min(over, 20);
    return std::min(delay, limits_.max_delay_ms);
}

LoginGate LoginRateLimiter::check(const std::string& account, const std::string& address,
                                  std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    LoginGate gate;
    if (const auto it = addresses_.find(address); it != addresses_.end()) {
        const std::int64_t end = it->second.start + limits_.address_window_ms;
        if (now_ms < end && it->second.failures >= limits_.per_address) gate = {end - now_ms, true};
    }
    if (const auto it = pairs_.find(pair_key(account, address)); it != pairs_.end()) {
        const std::int64_t until = it->second.last_failure + pair_delay(it->second);
        if (now_ms < until && until - now_ms > gate.wait_ms) gate = {until - now_ms, false};
    }
    return gate;
}

void LoginRateLimiter::record_failure(const std::string& account, const std::string& address,
                                      std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    make_room(now_ms);
    Pair& pair = pairs_[pair_key(account, address)];
    if (pair.failures > 0 && now_ms - pair.last_failure >= limits_.forget_after_ms) pair = Pair{};
    ++pair.failures;
    pair.last_failure = now_ms;
    auto [it, fresh] = addresses_.try_emplace(address, Window{now_ms, 0});
    if (!fresh && now_ms >= it->second.start + limits_.address_window_ms)
        it->second = Window{now_ms, 0};
    ++it->second.failures;
}

void LoginRateLimiter::record_success(const std::string& account, const std::string& address) {
    std::lock_guard lock(mutex_);
    pairs_.erase(pair_key(account, address));
}

// Called before adding entries: drops what is forgotten anyway once a map is
// full, then, if it still is, the entry whose last failure is oldest.
void LoginRateLimiter::make_room(std::int64_t now_ms) {
    if (pairs_.size() >= limits_.max_entries) {
        std::erase_if(pairs_, [&](const auto& entry) {
            return now_ms - entry.second.last_failure >= limits_.forget_after_ms;
        });
        if (pairs_.size() >= limits_.max_entries)
            evict_oldest(pairs_, [](const Pair& p) { return p.last_failure; });
    }
    if (addresses_.size() >= limits_.max_entries) {
        std::erase_if(addresses_, [&](const auto& entry) {
            return now_ms >= entry.second.start + limits_.address_window_ms;
        });
        if (addresses_.size() >= limits_.max_entries)
            evict_oldest(addresses_, [](const Window& w) { return w.start; });
    }
}

std::size_t LoginRateLimiter::tracked_pairs() {
    std::lock_guard lock(mutex_);
    return pairs_.size();
}

std::size_t LoginRateLimiter::tracked_addresses() {
    std::lock_guard lock(mutex_);
    return addresses_.size();
}

}  // namespace mqchat::server
