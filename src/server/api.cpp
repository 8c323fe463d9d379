// Route logic: validation, authentication, and the JSON answers.
#include "api.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <vector>

#include "accounts.hpp"
#include "control_watch.hpp"
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
    std::optional<Message> message;  // text, kind and reply_to filled in; id when given
    std::string problem;
};

constexpr std::size_t kMaxClientIdLength = 64;

// A client's own message id: 1-64 of [0-9A-Za-z_-], so a retried POST is
// recognized and never stored or published twice.
bool is_client_message_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxClientIdLength) return false;
    for (const char c : id) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                        (c >= 'a' && c <= 'z') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// {"text":…} with optional "kind" ("text" or "me"), "reply_to" (an id) and
// "id" (the client's id for the message).
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
    if (parsed->contains("id")) {
        const auto id = string_member(*parsed, "id");
        if (!id || !is_client_message_id(*id))
            return {std::nullopt, "\"id\" must be 1 to 64 of 0-9, A-Z, a-z, '_' and '-'"};
        m.id = *id;
    }
    return {std::move(m), {}};
}

// The answer to a POST whose (room, id) is stored already: the stored
// message for its sender (a retry), 409 for anyone else.
ApiResponse existing_message(const Message& stored, const UserRecord& user) {
    if (stored.user != user.id) return error(409, "the message id is taken by another message");
    return {200, encode_payload(stored)};
}

// A full disk, a database locked by another process or an I/O error is the
// server's condition, not a bug: 503 saying so instead of the library's 500.
template <typename Route>
ApiResponse answer_storage_failures(Route route) {
    try {
        return route();
    } catch (const StoreError& e) {
        switch (e.kind()) {
            case StoreFailure::full:
                return error(503, kStorageFull);
            case StoreFailure::busy:
                return error(503, "the server's storage is busy; try again later");
            case StoreFailure::io:
                return error(503, "the server's storage failed");
            case StoreFailure::other:
                break;
        }
        throw;
    }
}

}  // namespace

Api::Api(Store& store, ApiSettings settings, ApiEvents events, Clock clock, ArchiveStatus* archive)
    : store_(store),
      settings_(std::move(settings)),
      events_(std::move(events)),
      clock_(std::move(clock)),
      archive_(archive ? *archive : own_archive_),
      waits_(archive != nullptr),
      limiter_(settings_.login_limits),
      ulids_(platform::random_bytes) {}

ApiResponse Api::healthz() const {
    const bool broker = broker_up_.load(std::memory_order_relaxed);
    const auto closed = archive_.closed_reason();
    if (broker && !closed) return ok_json(200, json{{"ok", true}});
    return ok_json(503, json{{"ok", false},
                             {"broker", broker ? "up" : "down"},
                             {"archive", closed ? "closed: " + *closed : "open"}});
}

ApiResponse Api::login(const ApiRequest& request) {
    return answer_storage_failures([&] { return login_checked(request); });
}

ApiResponse Api::login_checked(const ApiRequest& request) {
    const auto parsed = parse_json_body(request.body);
    const auto email_in =
        parsed && parsed->is_object() ? string_member(*parsed, "email") : std::nullopt;
    const auto password =
        parsed && parsed->is_object() ? string_member(*parsed, "password") : std::nullopt;
    if (!email_in || !password) return error(400, "expected {\"email\":…,\"password\":…}");
    const std::string email = normalize_email(*email_in);
    const std::int64_t now = clock_();
    if (const auto gate = limiter_.check(email, request.remote_addr, now); gate.wait_ms > 0) {
        log_line("login: throttled " + quote_for_error(email, 80) + " from " + request.remote_addr);
        const std::string seconds = std::to_string((gate.wait_ms + 999) / 1000);
        return error(
            429, gate.by_address
                     ? "too many failed logins from your address; try again in " + seconds + " s"
                     : "too many failed logins for this account from your address; try "
                       "again in " +
                           seconds + " s");
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
    limiter_.record_success(email, request.remote_addr);
    const auto session = create_session(store_, user->id, now);
    log_line("login: " + user->id + " from " + request.remote_addr);
    return ok_json(200, json{{"session", session.secret},
                             {"user", {{"id", user->id}, {"name", user->name}}},
                             {"expiresAt", format_iso8601_ms(session.expires_at)}});
}

ApiResponse Api::logout(const ApiRequest& request) {
    return answer_storage_failures([&] {
        const std::int64_t now = clock_();
        const auto token_hash = revoke(store_, request.authorization, now);
        if (!token_hash) return unauthorized();
        if (events_.session_revoked) events_.session_revoked(*token_hash, now);
        return ApiResponse{204, {}};
    });
}

ApiResponse Api::mqtt_token(const ApiRequest& request) {
    const std::int64_t now = clock_();
    const auto session = valid_session(store_, request.authorization, now);
    if (!session) return unauthorized();
    const auto rooms = requested_rooms(request.body);
    if (!rooms.problem.empty()) return error(400, rooms.problem);
    const auto claims =
        token_claims(session->user, rooms.rooms, now / 1000, settings_.token_ttl_s,
                     random_token(kTokenIdBytes), sid_of_token_hash(session->token_hash));
    return ok_json(200, token_answer(claims, settings_.token_key,
                                     broker_urls(settings_.brokers, request.host)));
}

ApiResponse Api::room_history(std::string_view room, const ApiRequest& request) {
    if (!authenticate(store_, request.authorization, clock_())) return unauthorized();
    if (auto problem = room_name_problem(room); !problem.empty()) return error(400, problem);
    const auto limit = parse_limit(request.query);
    if (!limit)
        return error(400, "limit must be an integer from 1 to " + std::to_string(kMaxHistoryLimit));
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.history_wait_ms);
    // History never lags behind live readers: what the archiver had received
    // when the request came is committed first (or the wait gives up).
    if (waits_) archive_.wait_settled(archive_.received(), deadline);
    HistoryQuery query;
    query.limit = *limit;
    if (!resolve_cursor(store_, room, request.query, "before", query.before_seq))
        return error(404, "unknown message id");
    if (const auto after = request.query.find("after"); after != request.query.end()) {
        query.after_seq = wait_for_message(room, after->second, deadline);
        if (!query.after_seq) return error(404, "unknown message id");
    }
    return {200, message_array(store_.history(room, query))};
}

// The receive position of a message, waiting (until the deadline) for the
// archiver to store it when it is not there yet: a reader may ask for what
// comes after a message it was given live a moment ago.
std::optional<std::int64_t> Api::wait_for_message(std::string_view room, const std::string& id,
                                                  ArchiveStatus::Deadline deadline) {
    for (;;) {
        const std::uint64_t seen = archive_.settled();  // before the lookup: no commit is missed
        if (auto seq = store_.message_seq(room, id)) return seq;
        if (!waits_ || !archive_.wait_settled(seen + 1, deadline)) return std::nullopt;
    }
}

ApiResponse Api::post_message(std::string_view room, const ApiRequest& request) {
    return answer_storage_failures([&] { return post_checked(room, request); });
}

ApiResponse Api::post_checked(std::string_view room, const ApiRequest& request) {
    const std::int64_t now = clock_();
    const auto user = authenticate(store_, request.authorization, now);
    if (!user) return unauthorized();
    if (auto problem = room_name_problem(room); !problem.empty()) return error(400, problem);
    auto body = message_of_body(request.body);
    if (!body.message) return error(400, body.problem);
    Message& m = *body.message;
    if (!m.id.empty()) {
        if (const auto stored = store_.message_by_id(room, m.id))
            return existing_message(*stored, *user);
    } else {
        m.id = next_message_id(now);
    }
    if (settings_.user_quota_bytes > 0 && store_.user_bytes(user->id) >= settings_.user_quota_bytes)
        return error(403, quota_reason(settings_.user_quota_bytes));
    m.user = user->id;
    m.name = user->name;
    m.timestamp = now;
    std::string payload = encode_payload(m);
    if (payload.size() > kMaxPayloadBytes) return error(413, "the message is too large");
    // Stored first: the archive is the record; the publish only feeds live
    // readers, and its echo through the archiver is ignored by (room, id).
    if (!store_.insert_message(room, m, now)) {
        // The same id arrived in between (a concurrent retry, or over MQTT).
        if (const auto stored = store_.message_by_id(room, m.id))
            return existing_message(*stored, *user);
    }
    if (events_.publish) events_.publish(room_topic(room), payload);
    return {201, std::move(payload)};
}

ApiResponse Api::me(const ApiRequest& request) {
    const auto user = authenticate(store_, request.authorization, clock_());
    if (!user) return unauthorized();
    const PublishRefusal refusal = publish_refusal(*user);
    json publish = {{"allowed", refusal.reason.empty()}};
    if (!refusal.reason.empty()) publish["reason"] = refusal.reason;
    if (refusal.retry) publish["retry"] = true;
    if (settings_.user_rate > 0)
        publish["rate"] = {{"per_second", settings_.user_rate}, {"burst", settings_.user_burst}};
    return ok_json(200, json{{"user", {{"id", user->id}, {"name", user->name}}},
                             {"publish", std::move(publish)}});
}

// Why the user's chat publishes are refused now, and whether a sender
// should wait and try again rather than give up.
Api::PublishRefusal Api::publish_refusal(const UserRecord& user) {
    if (const auto closed = archive_.closed_reason())
        return {"the archive is closed: " + *closed, archive_.retry_advised()};
    if (settings_.user_quota_bytes > 0 && store_.user_bytes(user.id) >= settings_.user_quota_bytes)
        return {quota_reason(settings_.user_quota_bytes), false};
    return {{}, archive_.retry_advised()};
}

std::string Api::next_message_id(std::int64_t now_ms) {
    std::lock_guard lock(ulid_mutex_);
    return ulids_.next(now_ms);
}

}  // namespace mqchat::server
