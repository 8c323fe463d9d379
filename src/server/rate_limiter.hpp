// Login throttling: failure budgets per email and per client address.
// Two budgets per fixed window (default 5 minutes): a small one per email (5
// failures lock that account's logins) and a large one per client address (50
// failures lock that address), so one user mistyping cannot lock out everyone
// behind the same NAT or proxy, while an address that sprays passwords over
// many accounts is still stopped.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mqchat::server {

struct LoginLimits {
    int per_email = 5;
    int per_address = 50;
    std::int64_t window_ms = 5 * 60 * 1000;
};

// The caller passes the clock (ms) to every call: tests need no sleeps.
class LoginRateLimiter {
  public:
    explicit LoginRateLimiter(LoginLimits limits = {});

    // True when the email or the address has used up its budget in its current window.
    bool locked(const std::string& email, const std::string& address, std::int64_t now_ms);
    void record_failure(const std::string& email, const std::string& address, std::int64_t now_ms);
    // A good password clears the email's count (not the address's: one
    // address guessing many emails, with one good login between, stays throttled).
    void record_success(const std::string& email);

    std::size_t tracked_keys();  // for tests: old windows are pruned

  private:
    struct Window {
        std::int64_t start = 0;
        int failures = 0;
    };
    bool key_locked(const std::string& key, int budget, std::int64_t now_ms) const;
    void count_failure(const std::string& key, std::int64_t now_ms);
    void prune(std::int64_t now_ms);

    const LoginLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

}  // namespace mqchat::server
