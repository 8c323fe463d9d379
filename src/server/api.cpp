// Route logic: validation, authentication, and the JSON answers.
#include "api.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "accounts.hpp"
#include "core/payload_codec.hpp"
#include "core/room_name.hpp"
#include "core/time_format.hpp"
#include "json_body.hpp"
#include "log.hpp"
#include "passwords.hpp"
#include "platform/environment.hpp"
#include "sessions.hpp"

namespace mqchat::server {
namespace {

using nlohmann::json;

constexpr std::string_view kBadCredentials = "invalid email or password";
constexpr std::size_t kTokenIdBytes = 16;

ApiResponse error(int status, std::string_view message) {
    return {status, error_body(message)};
}

ApiResponse unauthorized() {
    return error(401, "missing or invalid session");
}

ApiResponse ok_json(int status, const json& value) {
    return {status, dump_json(value)};
}

// A string member of a JSON object, if present with that type.
std::optional<std::string> string_member(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

struct RoomsResult {
    std::vector<std::string> rooms;
    std::string problem;
};

// {"rooms":[...]}: 1-50 valid room names, duplicates dropped; absent or an
// empty body means the default room.
RoomsResult requested_rooms(std::string_view body) {
    if (blank(body)) return {{"general"}, {}};
    const auto parsed = parse_json_body(body);
    if (!parsed || !parsed->is_object()) return {{}, "expected a JSON object {\"rooms\":[…]}"};
    const auto it = parsed->find("rooms");
    if (it == parsed->end()) return {{"general"}, {}};
    if (!it->is_array() || it->empty() || it->size() > kMaxTokenRooms)
        return {
            {},
            "\"rooms\" must be an array of 1 to " + std::to_string(kMaxTokenRooms) + " room names"};
    RoomsResult result;
    for (const auto& entry : *it) {
        if (!entry.is_string()) return {{}, "\"rooms\" must hold strings"};
        const auto& room = entry.get_ref<const std::string&>();
        if (auto problem = room_name_problem(room); !problem.empty()) return {{}, problem};
        if (std::find(result.rooms.begin(), result.rooms.end(), room) == result.rooms.end())
            result.rooms.push_back(room);
    }
    return result;
}

std::optional<int> parse_limit(const std::map<std::string, std::string>& query) {
    const auto it = query.find("limit");
    if (it == query.end()) return kDefaultHistoryLimit;
    const std::string& text = it->second;
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 1 ||
        value > kMaxHistoryLimit)
        return std::nullopt;
    return value;
}

// Turns the message id in query parameter `key` into its receive position.
// False when the parameter names no message of the room; true (leaving
// `seq` empty) when the parameter is absent.
bool resolve_cursor(Store& store, std::string_view room,
                    const std::map<std::string, std::string>& query, const std::string& key,
                    std::optional<std::int64_t>& seq) {
    const auto it = query.find(key);
    if (it == query.end()) return true;
    seq = store.message_seq(room, it->second);
    return seq.has_value();
}

std::string message_array(const std::vector<Message>& messages) {
    std::string out = "[";
    for (const auto& m : messages) {
        if (out.size() > 1) out += ',';
        out += encode_payload(m);
    }
    out += ']';
    return out;
}

struct TextBody {
    std::optional<Message> message;  // text, kind and reply_to filled in
    std::string problem;
};

// {"text":…} with optional "kind" ("text" or "me") and "reply_to" (an id).
TextBody message_of_body(std::string_view body) {
    const auto parsed = parse_json_body(body);
    if (!parsed || !parsed->is_object())
        return {std::nullopt, "expected a JSON object {\"text\":…}"};
    const auto text = string_member(*parsed, "text");
    if (!text) return {std::nullopt, "\"text\" must be a string"};
    if (blank(*text)) return {std::nullopt, "\"text\" is empty"};
    Message m;
    m.text = *text;
    if (parsed->contains("kind")) {
        const auto kind = string_member(*parsed, "kind");
        if (!kind || (*kind != "text" && *kind != "me"))
            return {std::nullopt, "\"kind\" must be \"text\" or \"me\""};
        if (*kind == "me") m.kind = MessageKind::me;
    }
    if (parsed->contains("reply_to")) {
        const auto reply_to = string_member(*parsed, "reply_to");
        if (!reply_to || reply_to->empty() || reply_to->size() > kMaxIdLength)
            return {std::nullopt, "\"reply_to\" must be a message id"};
        m.reply_to = *reply_to;
    }
    return {std::move(m), {}};
}

}  // namespace

Api::Api(Store& store, ApiSettings settings, Publish publish, Clock clock)
    : store_(store),
      settings_(std::move(settings)),
      publish_(std::move(publish)),
      clock_(std::move(clock)),
      limiter_(settings_.login_limits),
      ulids_(platform::random_bytes) {}

ApiResponse Api::healthz() const {
    if (!broker_up_.load(std::memory_order_relaxed))
        return ok_json(503, json{{"ok", false}, {"broker", "down"}});
    return ok_json(200, json{{"ok", true}});
}

ApiResponse Api::login(const ApiRequest& request) {
    const auto parsed = parse_json_body(request.body);
    const auto email_in =
        parsed && parsed->is_object() ? string_member(*parsed, "email") : std::nullopt;
    const auto password =
        parsed && parsed->is_object() ? string_member(*parsed, "password") : std::nullopt;
    if (!email_in || !password) return error(400, "expected {\"email\":…,\"password\":…}");
    const std::string email = normalize_email(*email_in);
    const std::int64_t now = clock_();
    if (limiter_.locked(email, request.remote_addr, now)) {
        log_line("login: throttled " + quote_for_error(email, 80) + " from " + request.remote_addr);
        return error(429, "too many failed logins; try again later");
    }
    const auto user = store_.user_by_email(email);
    bool good = false;
    if (user) {
        good = verify_password(user->password_hash, *password);
    } else {
        verify_against_dummy(*password);  // same cost as a wrong password
    }
    if (!good) {
        limiter_.record_failure(email, request.remote_addr, now);
        log_line("login: refused " + quote_for_error(email, 80) + " from " + request.remote_addr);
        return error(401, kBadCredentials);
    }
    limiter_.record_success(email);
    const auto session = create_session(store_, user->id, now);
    log_line("login: " + user->id + " from " + request.remote_addr);
    return ok_json(200, json{{"session", session.secret},
                             {"user", {{"id", user->id}, {"name", user->name}}},
                             {"expiresAt", format_iso8601_ms(session.expires_at)}});
}

ApiResponse Api::logout(const ApiRequest& request) {
    if (!revoke(store_, request.authorization, clock_())) return unauthorized();
    return {204, {}};
}

ApiResponse Api::mqtt_token(const ApiRequest& request) {
    const std::int64_t now = clock_();
    const auto user = authenticate(store_, request.authorization, now);
    if (!user) return unauthorized();
    const auto rooms = requested_rooms(request.body);
    if (!rooms.problem.empty()) return error(400, rooms.problem);
    const auto claims = token_claims(*user, rooms.rooms, now / 1000, settings_.token_ttl_s,
                                     random_token(kTokenIdBytes));
    return ok_json(200, token_answer(claims, settings_.token_key,
                                     broker_urls(settings_.brokers, request.host)));
}

ApiResponse Api::room_history(std::string_view room, const ApiRequest& request) {
    if (!authenticate(store_, request.authorization, clock_())) return unauthorized();
    if (auto problem = room_name_problem(room); !problem.empty()) return error(400, problem);
    const auto limit = parse_limit(request.query);
    if (!limit)
        return error(400, "limit must be an integer from 1 to " + std::to_string(kMaxHistoryLimit));
    HistoryQuery query;
    query.limit = *limit;
    if (!resolve_cursor(store_, room, request.query, "before", query.before_seq) ||
        !resolve_cursor(store_, room, request.query, "after", query.after_seq))
        return error(404, "unknown message id");
    return {200, message_array(store_.history(room, query))};
}

ApiResponse Api::post_message(std::string_view room, const ApiRequest& request) {
    const std::int64_t now = clock_();
    const auto user = authenticate(store_, request.authorization, now);
    if (!user) return unauthorized();
    if (auto problem = room_name_problem(room); !problem.empty()) return error(400, problem);
    auto body = message_of_body(request.body);
    if (!body.message) return error(400, body.problem);
    Message& m = *body.message;
    m.id = next_message_id(now);
    m.user = user->id;
    m.name = user->name;
    m.timestamp = now;
    std::string payload = encode_payload(m);
    if (payload.size() > kMaxPayloadBytes) return error(413, "the message is too large");
    // Stored first: the archive is the record; the publish only feeds live
    // readers, and its echo through the archiver is ignored by (room, id).
    store_.insert_message(room, m, now);
    publish_(room_topic(room), payload);
    return {201, std::move(payload)};
}

std::string Api::next_message_id(std::int64_t now_ms) {
    std::lock_guard lock(ulid_mutex_);
    return ulids_.next(now_ms);
}

}  // namespace mqchat::server
