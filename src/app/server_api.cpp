// Requests to mqchatd and the reading of its answers, which are untrusted:
// every field is type-checked and every string reaches the terminal sanitized.
#include "server_api.hpp"

#include <nlohmann/json.hpp>

#include "core/exit_code.hpp"
#include "core/payload_codec.hpp"
#include "core/time_format.hpp"
#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

using nlohmann::json;

std::optional<json> parse_json(const std::string& body) {
    json value = json::parse(body, nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::string string_field(const json& obj, const char* key) {
    const auto it = obj.find(key);
    return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// A small non-negative count from an answer; 0 when absent or absurd.
std::int64_t int_field(const json& obj, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_number_integer()) return 0;
    const auto v = it->get<std::int64_t>();
    return (v > 0 && v <= 1'000'000'000) ? v : 0;
}

// "a%2Fb"-style escaping for path segments and query values.
std::string url_escape(const std::string& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

ApiError bad_answer(int exit_code, const std::string& stage, const std::string& what) {
    return {exit_code, stage, "unexpected answer from the server: " + what};
}

}  // namespace

ServerUrl normalize_server_url(const std::string& url) {
    std::string u = url;
    while (!u.empty() && u.back() == '/')
        u.pop_back();
    const bool http = u.rfind("http://", 0) == 0;
    const bool https = u.rfind("https://", 0) == 0;
    if (!http && !https) return {{}, "the server URL must start with http:// or https://"};
    const std::string rest = u.substr(http ? 7 : 8);
    if (rest.empty() || rest.find_first_of("@ \t\r\n") != std::string::npos)
        return {{}, "invalid server URL (credentials in URLs are not supported)"};
    return {u, {}};
}

ServerApi::ServerApi(http::HttpClient& http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)) {}

http::Response ServerApi::call(const std::string& method, const std::string& path,
                               const std::string& session, const std::string& body) {
    http::Request r;
    r.method = method;
    r.url = base_url_ + path;
    r.bearer = session;
    r.body = body;
    return http_.send(r);
}

ApiError ServerApi::failure(int exit_code, const std::string& stage,
                            const http::Response& r) const {
    if (r.status == 0) return {exit_code, stage, "cannot reach " + base_url_ + ": " + r.error};
    std::string why = "HTTP " + std::to_string(r.status);
    if (auto body = parse_json(r.body); body && body->is_object()) {
        const std::string error = string_field(*body, "error");
        if (!error.empty()) why += ": " + error.substr(0, 200);
    }
    return {exit_code, stage, why, r.status == 401, r.status};
}

ApiResult<LoginAnswer> ServerApi::login(const std::string& email, const std::string& password) {
    const json body = {{"email", email}, {"password", password}};
    const auto r =
        call("POST", "/api/login", {}, body.dump(-1, ' ', false, json::error_handler_t::replace));
    const int refused = to_int(ExitCode::login_refused);
    if (r.status == 401) return ApiError{refused, "login", "invalid email or password", true};
    if (r.status == 429)
        return ApiError{refused, "login", "too many attempts: wait a few minutes and try again"};
    if (r.status != 200) return failure(refused, "login", r);
    const auto answer = parse_json(r.body);
    if (!answer || !answer->is_object() || !answer->contains("user") ||
        !(*answer)["user"].is_object())
        return bad_answer(refused, "login", "no user in the login answer");
    LoginAnswer a;
    a.session = string_field(*answer, "session");
    a.user_id = string_field((*answer)["user"], "id");
    a.user_name = string_field((*answer)["user"], "name");
    a.expires_at = string_field(*answer, "expiresAt");
    if (a.session.empty() || a.user_id.empty())
        return bad_answer(refused, "login", "no session in the login answer");
    return a;
}

std::optional<ApiError> ServerApi::logout(const std::string& session) {
    const auto r = call("POST", "/api/logout", session, {});
    if (r.status == 204 || r.status == 200 || r.status == 401)
        return std::nullopt;  // 401: already gone
    return failure(to_int(ExitCode::unexpected), "logout", r);
}

ApiResult<TokenAnswer> ServerApi::mqtt_token(const std::string& session,
                                             const std::vector<std::string>& rooms) {
    const json body = {{"rooms", rooms}};
    const auto r = call("POST", "/api/mqtt-token", session, body.dump());
    const int failed = to_int(ExitCode::token_failed);
    if (r.status == 401)
        return ApiError{to_int(ExitCode::login_refused), "token",
                        "the session has expired or was revoked: run mqchat login", true};
    if (r.status != 200) return failure(failed, "token", r);
    const auto answer = parse_json(r.body);
    if (!answer || !answer->is_object()) return bad_answer(failed, "token", "not a JSON object");
    TokenAnswer t;
    t.access_token = string_field(*answer, "accessToken");
    t.token_id = string_field(*answer, "tokenId");
    t.username = string_field(*answer, "username");
    t.client_id_prefix = string_field(*answer, "clientIdPrefix");
    t.expires_at_ms = parse_iso8601_ms(string_field(*answer, "expiresAt")).value_or(0);
    t.refresh_at_ms = parse_iso8601_ms(string_field(*answer, "refreshAt")).value_or(0);
    if (const auto b = answer->find("brokers"); b != answer->end() && b->is_array())
        for (const auto& broker : *b)
            if (broker.is_object()) {
                const std::string url = string_field(broker, "url");
                if (!url.empty()) t.brokers.push_back(url);
            }
    if (t.access_token.empty() || t.username.empty())
        return bad_answer(failed, "token", "no accessToken or username");
    if (t.refresh_at_ms == 0 && t.expires_at_ms == 0)
        return bad_answer(failed, "token", "no expiresAt");
    return t;
}

ApiResult<HistoryPage> ServerApi::history(const std::string& session, const std::string& room,
                                          int limit, const std::string& before,
                                          const std::string& after) {
    std::string path =
        "/api/rooms/" + url_escape(room) + "/messages?limit=" + std::to_string(limit);
    if (!before.empty()) path += "&before=" + url_escape(before);
    if (!after.empty()) path += "&after=" + url_escape(after);
    const auto r = call("GET", path, session, {});
    const int failed = to_int(ExitCode::history_failed);
    if (r.status == 401)
        return ApiError{to_int(ExitCode::login_refused), "history",
                        "the session has expired or was revoked: run mqchat login", true};
    if (r.status != 200) return failure(failed, "history", r);
    auto decoded = decode_message_array(r.body, platform::now_ms());
    if (decoded.messages.empty() && !decoded.notice.empty())
        return bad_answer(failed, "history", decoded.notice);
    return HistoryPage{std::move(decoded.messages), std::move(decoded.notice)};
}

ApiResult<PublishStatus> ServerApi::publish_status(const std::string& session) {
    const auto r = call("GET", "/api/me", session, {});
    const int failed = to_int(ExitCode::unexpected);
    if (r.status != 200) return failure(failed, "server", r);
    const auto answer = parse_json(r.body);
    if (!answer || !answer->is_object()) return bad_answer(failed, "server", "not a JSON object");
    PublishStatus status;
    if (const auto p = answer->find("publish"); p != answer->end() && p->is_object()) {
        if (const auto a = p->find("allowed"); a != p->end() && a->is_boolean())
            status.allowed = a->get<bool>();
        status.reason = string_field(*p, "reason").substr(0, 200);
        if (const auto retry = p->find("retry"); retry != p->end() && retry->is_boolean())
            status.retry = retry->get<bool>();
        if (const auto rate = p->find("rate"); rate != p->end() && rate->is_object()) {
            status.rate_per_second = int_field(*rate, "per_second");
            status.burst = int_field(*rate, "burst");
        }
    }
    return status;
}

std::string refusal_hint(const PublishStatus& status) {
    if (!status.allowed && !status.reason.empty()) return "the server says: " + status.reason;
    if (status.rate_per_second > 0)
        return "the server allows " + std::to_string(status.rate_per_second) +
               " messages/s per account, bursts of " + std::to_string(status.burst);
    return {};
}

}  // namespace mqchat::app
