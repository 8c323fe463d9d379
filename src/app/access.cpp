// The stored session, the token route and the choice of broker.
#include "access.hpp"

#include "core/exit_code.hpp"
#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

// The token answer lists brokers; plain MQTT over TCP first, as it is the
// cheapest transport, then TLS, then WebSockets.
std::optional<BrokerUrl> choose_broker(const std::vector<std::string>& urls) {
    std::optional<BrokerUrl> best;
    for (const auto& text : urls) {
        auto parsed = parse_broker_url(text);
        if (!parsed.url) continue;
        if (!best || static_cast<int>(parsed.url->scheme) < static_cast<int>(best->scheme))
            best = parsed.url;
    }
    return best;
}

}  // namespace

Access Access::plain(const Plan& plan) {
    Access a(plan);
    a.user_id_ = plan.user;
    return a;
}

std::variant<Access, ApiError> Access::from_session(const Plan& plan) {
    const int refused = to_int(ExitCode::login_refused);
    std::string problem;
    const auto store = SessionStore::at_default_path();
    auto stored = store.load(problem);
    if (!stored) {
        if (problem.empty())
            problem = "not logged in: run mqchat login (or use --no-auth --broker URL)";
        return ApiError{refused, "login", problem};
    }
    return with_client(plan, std::move(*stored),
                       http::make_curl_client({plan.cafile, plan.insecure}));
}

std::variant<Access, ApiError> Access::with_client(const Plan& plan, StoredSession session,
                                                   std::unique_ptr<http::HttpClient> http) {
    const std::string server = plan.server.value_or(session.server);
    auto normalized = normalize_server_url(server);
    if (!normalized.problem.empty())
        return ApiError{to_int(ExitCode::config), "config", normalized.problem};
    Access a(plan);
    a.user_id_ = session.user_id;
    a.user_name_ = session.user_name;
    a.session_ = std::move(session);
    a.http_ = std::move(http);
    a.api_ = std::make_unique<ServerApi>(*a.http_, normalized.url);
    return a;
}

std::variant<BrokerAccess, ApiError> Access::broker_for(const std::vector<std::string>& rooms) {
    BrokerAccess access;
    if (!has_server()) {
        access.url = *plan_->broker;
        access.client_id = "mqchat-" + platform::random_hex(8);
        return access;
    }
    auto answer = api_->mqtt_token(session_.session, rooms);
    if (auto* err = std::get_if<ApiError>(&answer)) return *err;
    auto& token = std::get<TokenAnswer>(answer);
    if (plan_->broker) {
        access.url = *plan_->broker;
    } else if (auto chosen = choose_broker(token.brokers)) {
        access.url = *chosen;
    } else {
        return ApiError{to_int(ExitCode::token_failed), "token",
                        "the token answer names no usable broker URL"};
    }
    access.username = token.username;
    access.password = std::move(token.access_token);
    access.client_id = token.client_id_prefix + platform::random_hex(8);
    access.refresh_at_ms = token.refresh_at_ms != 0 ? token.refresh_at_ms : token.expires_at_ms;
    access.expires_at_ms = token.expires_at_ms;
    return access;
}

}  // namespace mqchat::app
