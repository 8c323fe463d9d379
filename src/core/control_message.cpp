// Control message JSON, both directions.
#include "control_message.hpp"

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace mqchat::control {
namespace {

using nlohmann::json;
// Members in the documented order (kind first), not sorted.
using ordered = nlohmann::ordered_json;

constexpr std::size_t kMaxMessageBytes = 4096;
constexpr int kMaxDepth = 2;
constexpr std::size_t kSidLength = 32;
constexpr std::size_t kMaxUserLength = 64;

std::string dump(const ordered& value) {
    return value.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

bool string_member(const json& object, const char* key, std::string& out) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

bool bool_member(const json& object, const char* key, bool& out) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_boolean()) return false;
    out = it->get<bool>();
    return true;
}

bool is_sid(std::string_view sid) {
    if (sid.size() != kSidLength) return false;
    for (const char c : sid)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool user_member(const json& object, Message& m) {
    return string_member(object, "user", m.user) && !m.user.empty() &&
           m.user.size() <= kMaxUserLength;
}

// The members of each kind; false when one is missing or of the wrong type.
bool read_kind(const json& object, Message& m) {
    if (m.kind_text == "archive") {
        m.kind = Kind::archive;
        if (!bool_member(object, "open", m.open)) return false;
        if (object.contains("reason")) return string_member(object, "reason", m.reason);
        return true;
    }
    if (m.kind_text == "revoke-session") {
        m.kind = Kind::revoke_session;
        const auto until = object.find("until");
        if (until == object.end() || !until->is_number_integer()) return false;
        m.until = until->get<std::int64_t>();
        return string_member(object, "sid", m.sid) && is_sid(m.sid);
    }
    if (m.kind_text == "revoke-user") {
        m.kind = Kind::revoke_user;
        return user_member(object, m);
    }
    if (m.kind_text == "quota") {
        m.kind = Kind::quota;
        if (!user_member(object, m) || !bool_member(object, "over", m.over)) return false;
        if (object.contains("reason")) return string_member(object, "reason", m.reason);
        return true;
    }
    m.kind = Kind::unknown;
    return true;
}

}  // namespace

std::string archive_message(bool open, std::string_view reason) {
    ordered m = {{"kind", "archive"}, {"open", open}};
    if (!open) m["reason"] = std::string(reason);
    return dump(m);
}

std::string revoke_session_message(std::string_view sid, std::int64_t until_s) {
    return dump(ordered{{"kind", "revoke-session"}, {"sid", std::string(sid)}, {"until", until_s}});
}

std::string revoke_user_message(std::string_view user) {
    return dump(ordered{{"kind", "revoke-user"}, {"user", std::string(user)}});
}

std::string quota_message(std::string_view user, bool over, std::string_view reason) {
    ordered m = {{"kind", "quota"}, {"user", std::string(user)}, {"over", over}};
    if (over) m["reason"] = std::string(reason);
    return dump(m);
}

std::optional<Message> parse_message(std::string_view payload) {
    if (payload.size() > kMaxMessageBytes || !json_nesting_within(payload, kMaxDepth))
        return std::nullopt;
    const json object = json::parse(payload, nullptr, false);
    if (object.is_discarded() || !object.is_object()) return std::nullopt;
    Message m;
    if (!string_member(object, "kind", m.kind_text)) return std::nullopt;
    if (!read_kind(object, m)) return std::nullopt;
    return m;
}

}  // namespace mqchat::control
