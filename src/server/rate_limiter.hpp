// Login throttling: after 5 failures for one email or one client address
// within 5 minutes, that email / address is locked for the rest of the window.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mqchat::server {

class LoginRateLimiter {
  public:
    explicit LoginRateLimiter(int max_failures = 5, std::int64_t window_ms = 5 * 60 * 1000);

    // True when either key has used up its failures in the current window.
    bool locked(const std::string& email, const std::string& address, std::int64_t now_ms);
    void record_failure(const std::string& email, const std::string& address, std::int64_t now_ms);
    // A good password clears the email's count (not the address's: one
    // address guessing many emails stays throttled).
    void record_success(const std::string& email);

    std::size_t tracked_keys();  // for tests: old windows are pruned

  private:
    struct Window {
        std::int64_t start = 0;
        int failures = 0;
    };
    bool key_locked(const std::string& key, std::int64_t now_ms) const;
    void count_failure(const std::string& key, std::int64_t now_ms);
    void prune(std::int64_t now_ms);

    const int max_failures_;
    const std::int64_t window_ms_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

}  // namespace mqchat::server
