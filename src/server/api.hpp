// The HTTP API of SPEC §3 as plain functions from request to response, free
// of any HTTP library so the unit tests can drive every route directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/message_id.hpp"
#include "rate_limiter.hpp"
#include "store.hpp"
#include "token_answer.hpp"

namespace mqchat::server {

inline constexpr int kDefaultHistoryLimit = 20;
inline constexpr int kMaxHistoryLimit = 500;

struct ApiRequest {
    std::string body;
    std::string authorization;                 // the Authorization header
    std::string remote_addr;                   // client address, for rate limiting
    std::string host;                          // the Host header
    std::map<std::string, std::string> query;  // first value of each parameter
};

struct ApiResponse {
    int status = 200;
    std::string body;  // JSON; empty for 204
};

struct ApiSettings {
    std::string token_key;  // HS256 key (secret)
    std::int64_t token_ttl_s = kDefaultTokenTtlSeconds;
    BrokerAdvert brokers;
    LoginLimits login_limits;  // the defaults in production
};

class Api {
  public:
    using Clock = std::function<std::int64_t()>;  // ms since the epoch
    // Hands a stored message to the broker connection (must not block).
    using Publish = std::function<void(std::string topic, std::string payload)>;

    Api(Store& store, ApiSettings settings, Publish publish, Clock clock);

    ApiResponse login(const ApiRequest& request);
    ApiResponse logout(const ApiRequest& request);
    ApiResponse mqtt_token(const ApiRequest& request);
    ApiResponse room_history(std::string_view room, const ApiRequest& request);
    ApiResponse post_message(std::string_view room, const ApiRequest& request);
    // 200 {"ok":true} while the broker is up; 503 {"ok":false,"broker":"down"}
    // while it is not (as last told by set_broker_up), so a load balancer
    // or monitor sees an instance whose messages cannot go out.
    ApiResponse healthz() const;
    // Called by the serve loop (any thread); an Api is told nothing in the
    // unit tests and counts the broker as up.
    void set_broker_up(bool up) { broker_up_.store(up, std::memory_order_relaxed); }

  private:
    std::string next_message_id(std::int64_t now_ms);

    Store& store_;
    const ApiSettings settings_;
    const Publish publish_;
    const Clock clock_;
    LoginRateLimiter limiter_;
    std::atomic<bool> broker_up_{true};
    std::mutex ulid_mutex_;
    UlidGenerator ulids_;
};

}  // namespace mqchat::server
