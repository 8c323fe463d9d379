// Login throttling that nobody else can turn into a lockout. Two limits:
// - per (account, client address): the first failures are free, then each
//   further attempt from that address for that account must wait a delay
//   that doubles per failure (1 s, 2 s, 4 s … capped at 5 minutes);
// - per client address, over all accounts: a failure budget per window, so
//   one address spraying passwords over many accounts is stopped.
// An account is never locked as such: its owner's correct password from an
// address without failures always works, whatever others try elsewhere.
// Memory is bounded: quiet entries are forgotten, and beyond the cap the
// entries with the oldest failure go first.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mqchat::server {

struct LoginLimits {
    int free_failures = 5;  // per (account, address) before delays start
    std::int64_t first_delay_ms = 1000;
    std::int64_t max_delay_ms = 5 * 60 * 1000;
    // A pair's failures are forgotten this long after its last one.
    std::int64_t forget_after_ms = 60 * 60 * 1000;
    int per_address = 50;  // failures from one address per window, over all accounts
    std::int64_t address_window_ms = 5 * 60 * 1000;
    std::size_t max_entries = 10000;  // pairs, and addresses, each
};

// What a login attempt may do now.
struct LoginGate {
    std::int64_t wait_ms = 0;  // 0: check the password; else refuse, retry after this
    bool by_address = false;   // the address's budget is spent (else the pair's delay)
};

// The caller passes the clock (ms) to every call: tests need no sleeps.
class LoginRateLimiter {
  public:
    explicit LoginRateLimiter(LoginLimits limits = {});

    LoginGate check(const std::string& account, const std::string& address, std::int64_t now_ms);
    void record_failure(const std::string& account, const std::string& address,
                        std::int64_t now_ms);
    // A good password clears the pair (not the address's budget: one address
    // guessing many accounts, with one good login between, stays throttled).
    void record_success(const std::string& account, const std::string& address);

    std::size_t tracked_pairs();
    std::size_t tracked_addresses();

  private:
    struct Pair {
        int failures = 0;
        std::int64_t last_failure = 0;
    };
    struct Window {
        std::int64_t start = 0;
        int failures = 0;
    };
    std::int64_t pair_delay(const Pair& pair) const;
    void make_room(std::int64_t now_ms);

    const LoginLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, Pair> pairs_;  // by account + '\n' + address
    std::unordered_map<std::string, Window> addresses_;
};

}  // namespace mqchat::server
