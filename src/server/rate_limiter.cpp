// Fixed-window failure counting per email and per client address, each key
// with its own budget.
#include "rate_limiter.hpp"

#include <iterator>

namespace mqchat::server {
namespace {

// Bounds memory when someone sprays random emails: beyond this many keys,
// expired windows are dropped on the next failure.
constexpr std::size_t kPruneThreshold = 10000;

std::string email_key(const std::string& email) {
    return "e:" + email;
}
std::string address_key(const std::string& address) {
    return "a:" + address;
}

}  // namespace

LoginRateLimiter::LoginRateLimiter(LoginLimits limits) : limits_(limits) {}

bool LoginRateLimiter::key_locked(const std::string& key, int budget, std::int64_t now_ms) const {
    const auto it = windows_.find(key);
    if (it == windows_.end()) return false;
    return now_ms < it->second.start + limits_.window_ms && it->second.failures >= budget;
}

bool LoginRateLimiter::locked(const std::string& email, const std::string& address,
                              std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    return key_locked(email_key(email), limits_.per_email, now_ms) ||
           key_locked(address_key(address), limits_.per_address, now_ms);
}

void LoginRateLimiter::count_failure(const std::string& key, std::int64_t now_ms) {
    auto [it, fresh] = windows_.try_emplace(key, Window{now_ms, 0});
    Window& w = it->second;
    if (!fresh && now_ms >= w.start + limits_.window_ms) w = Window{now_ms, 0};
    ++w.failures;
}

void LoginRateLimiter::record_failure(const std::string& email, const std::string& address,
                                      std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (windows_.size() > kPruneThreshold) prune(now_ms);
    count_failure(email_key(email), now_ms);
    count_failure(address_key(address), now_ms);
}

void LoginRateLimiter::record_success(const std::string& email) {
    std::lock_guard lock(mutex_);
    windows_.erase(email_key(email));
}

void LoginRateLimiter::prune(std::int64_t now_ms) {
    for (auto it = windows_.begin(); it != windows_.end();)
        it = now_ms >= it->second.start + limits_.window_ms ? windows_.erase(it) : std::next(it);
}

std::size_t LoginRateLimiter::tracked_keys() {
    std::lock_guard lock(mutex_);
    return windows_.size();
}

}  // namespace mqchat::server
