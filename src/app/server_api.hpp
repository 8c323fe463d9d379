// mqchatd's HTTP API (SPEC §3) as the client uses it: typed answers, and every
// failure turned into the exit code and one-line cause SPEC §5 assigns it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/message.hpp"
#include "http/http_client.hpp"

namespace mqchat::app {

struct ApiError {
    int exit_code;
    std::string stage;  // "login", "token", "history", ...
    std::string cause;
    bool unauthorized = false;  // HTTP 401: the session is gone
    long http_status = 0;       // the server's answer; 0: none (unreachable)
};

struct LoginAnswer {
    std::string session;  // secret
    std::string user_id;
    std::string user_name;
    std::string expires_at;
};

struct TokenAnswer {
    std::string access_token;  // secret
    std::string token_id;
    std::int64_t expires_at_ms = 0;
    std::int64_t refresh_at_ms = 0;
    std::string username;
    std::string client_id_prefix;
    std::vector<std::string> brokers;
};

// GET /api/me: may we publish right now, and if not, why.
struct PublishStatus {
    bool allowed = true;
    std::string reason;  // untrusted: sanitize before display
    // The refusal was for something that passes (the archive catching up):
    // keep the message and send it again a little later.
    bool retry = false;
    // The broker's publish limit per account, when the server knows one.
    std::int64_t rate_per_second = 0;
    std::int64_t burst = 0;
};

// Why the broker may have refused a message of ours, as the server sees it
// ("the server says: storage quota of 1 KiB used"), or "" when it knows of
// nothing. The broker's own answer to a message over the rate limit is only
// "not authorized": the server's limit is named then.
std::string refusal_hint(const PublishStatus& status);

struct HistoryPage {
    std::vector<Message> messages;  // oldest first
    std::string notice;             // entries that could not be read
};

template <typename T>
using ApiResult = std::variant<T, ApiError>;

class ServerApi {
  public:
    ServerApi(http::HttpClient& http, std::string base_url);

    ApiResult<LoginAnswer> login(const std::string& email, const std::string& password);
    std::optional<ApiError> logout(const std::string& session);
    ApiResult<TokenAnswer> mqtt_token(const std::string& session,
                                      const std::vector<std::string>& rooms);
    // limit 1..500; `before`/`after`: a message id, or empty.
    ApiResult<HistoryPage> history(const std::string& session, const std::string& room, int limit,
                                   const std::string& before = {}, const std::string& after = {});
    // Why the broker may be refusing our messages (archive closed, quota).
    ApiResult<PublishStatus> publish_status(const std::string& session);

    const std::string& base_url() const { return base_url_; }

  private:
    http::Response call(const std::string& method, const std::string& path,
                        const std::string& session, const std::string& body);
    ApiError failure(int exit_code, const std::string& stage, const http::Response& r) const;

    http::HttpClient& http_;
    std::string base_url_;
};

// "http://host:port" without a trailing slash, or a one-line problem for
// anything that is not a plain http(s) URL.
struct ServerUrl {
    std::string url;
    std::string problem;
};
ServerUrl normalize_server_url(const std::string& url);

}  // namespace mqchat::app
