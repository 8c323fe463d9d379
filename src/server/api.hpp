// The HTTP API as plain functions from request to response, free of any HTTP
// library so the unit tests can drive every route directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "archive_status.hpp"
#include "core/message_id.hpp"
#include "quota.hpp"
#include "rate_limiter.hpp"
#include "store.hpp"
#include "token_answer.hpp"

namespace mqchat::server {

inline constexpr int kDefaultHistoryLimit = 20;
inline constexpr int kMaxHistoryLimit = 500;
inline constexpr std::string_view kStorageFull = "the server's storage is full";

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
    LoginLimits login_limits;                                // the defaults in production
    std::int64_t user_quota_bytes = kDefaultUserQuotaBytes;  // 0: unlimited
    // The embedded broker's publish limit per account (its plugin enforces
    // it; a refusal there reads only "not authorized", so /api/me says what
    // the limit is). 0: none known (an external broker).
    std::int64_t user_rate = 0;
    std::int64_t user_burst = 0;
    // How long a history answer waits for the archiver (what it had received
    // when the request came, and an `after` id not archived yet).
    std::int64_t history_wait_ms = 3000;
};

// How the routes reach the serve loop; neither may block.
struct ApiEvents {
    // Hands a stored message to the broker connection.
    std::function<void(std::string topic, std::string payload)> publish;
    // A session was revoked (logout): the tokens minted from it must stop working.
    std::function<void(std::string token_hash, std::int64_t revoked_at_ms)> session_revoked;
};

class Api {
  public:
    using Clock = std::function<std::int64_t()>;  // ms since the epoch

    // `archive`: the serve loop's view of the archiver; null (unit tests):
    // always open, nothing to wait for.
    Api(Store& store, ApiSettings settings, ApiEvents events, Clock clock,
        ArchiveStatus* archive = nullptr);

    ApiResponse login(const ApiRequest& request);
    ApiResponse logout(const ApiRequest& request);
    ApiResponse mqtt_token(const ApiRequest& request);
    ApiResponse room_history(std::string_view room, const ApiRequest& request);
    ApiResponse post_message(std::string_view room, const ApiRequest& request);
    // {"user":{"id","name"},"publish":{"allowed":bool,"reason":"…"}}
    ApiResponse me(const ApiRequest& request);
    // 200 {"ok":true} while the broker is up and the archive open; otherwise
    // 503 {"ok":false,"broker":"up"|"down","archive":"open"|"closed: <why>"},
    // so a load balancer or monitor sees an instance that cannot keep messages.
    ApiResponse healthz() const;
    // Called by the serve loop (any thread); an Api is told nothing in the
    // unit tests and counts the broker as up.
    void set_broker_up(bool up) { broker_up_.store(up, std::memory_order_relaxed); }

  private:
    ApiResponse login_checked(const ApiRequest& request);
    ApiResponse post_checked(std::string_view room, const ApiRequest& request);
    std::string next_message_id(std::int64_t now_ms);
    std::optional<std::int64_t> wait_for_message(std::string_view room, const std::string& id,
                                                 ArchiveStatus::Deadline deadline);
    struct PublishRefusal {
        std::string reason;  // empty: not refused now
        bool retry = false;  // refused (now or a moment ago) for a passing reason
    };
    PublishRefusal publish_refusal(const UserRecord& user);

    Store& store_;
    const ApiSettings settings_;
    const ApiEvents events_;
    const Clock clock_;
    ArchiveStatus own_archive_;  // when none is given
    ArchiveStatus& archive_;
    const bool waits_;  // history waits for the archiver (not without one)
    LoginRateLimiter limiter_;
    std::atomic<bool> broker_up_{true};
    std::mutex ulid_mutex_;
    UlidGenerator ulids_;
};

}  // namespace mqchat::server
