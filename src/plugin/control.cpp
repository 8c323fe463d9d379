// Reading control messages: every field checked for type and size.
#include "control.hpp"

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "policy.hpp"
#include "token/jwt.hpp"

namespace mqchat::plugin {
namespace {

using nlohmann::json;

// Control messages are flat objects; anything deeper is not one of ours.
constexpr int kMaxDepth = 2;

ParsedControl malformed(std::string why) {
    return {std::nullopt, false, std::move(why)};
}

ParsedControl command(ControlCommand c) {
    return {std::move(c), false, {}};
}

const json* member(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

bool read_bool(const json& object, const char* key, bool& out) {
    const json* v = member(object, key);
    if (!v || !v->is_boolean()) return false;
    out = v->get<bool>();
    return true;
}

// An optional reason: absent is fine, anything but a short string is not.
bool read_reason(const json& object, std::string& out) {
    const json* v = member(object, "reason");
    if (!v) return true;
    if (!v->is_string() || v->get_ref<const std::string&>().size() > kMaxReasonBytes) return false;
    out = v->get<std::string>();
    return true;
}

bool read_user(const json& object, std::string& out) {
    const json* v = member(object, "user");
    if (!v || !v->is_string() || !token::is_valid_account_id(v->get_ref<const std::string&>()))
        return false;
    out = v->get<std::string>();
    return true;
}

// Whatever a token's sid claim may hold (token::verify), so every session a
// token can name can be revoked.
bool read_sid(const json& object, std::string& out) {
    const json* v = member(object, "sid");
    if (!v || !v->is_string()) return false;
    const auto& sid = v->get_ref<const std::string&>();
    if (sid.empty() || sid.size() > token::kMaxSidBytes) return false;
    out = sid;
    return true;
}

bool read_time(const json& object, const char* key, std::int64_t& out) {
    const json* v = member(object, key);
    if (!v || !v->is_number_integer()) return false;
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return false;
    out = v->get<std::int64_t>();
    return true;
}

ParsedControl parse_archive(const json& m) {
    SetArchive c;
    if (!read_bool(m, "open", c.open)) return malformed("archive: \"open\" must be true or false");
    if (!read_reason(m, c.reason)) return malformed("archive: \"reason\" must be a short string");
    return command(std::move(c));
}

ParsedControl parse_revoke_session(const json& m) {
    RevokeSession c;
    if (!read_sid(m, c.sid)) return malformed("revoke-session: \"sid\" must be 1 to 64 bytes");
    if (!read_time(m, "until", c.until))
        return malformed("revoke-session: \"until\" must be an integer");
    return command(std::move(c));
}

ParsedControl parse_revoke_user(const json& m) {
    RevokeUser c;
    if (!read_user(m, c.user)) return malformed("revoke-user: \"user\" must be an account id");
    return command(std::move(c));
}

ParsedControl parse_quota(const json& m) {
    SetQuota c;
    if (!read_user(m, c.user)) return malformed("quota: \"user\" must be an account id");
    if (!read_bool(m, "over", c.over)) return malformed("quota: \"over\" must be true or false");
    if (!read_reason(m, c.reason)) return malformed("quota: \"reason\" must be a short string");
    return command(std::move(c));
}

}  // namespace

ParsedControl parse_control(std::string_view payload) {
    if (payload.size() > kMaxControlBytes) return malformed("longer than 4096 bytes");
    if (!json_nesting_within(payload, kMaxDepth)) return malformed("nested too deeply");
    const json m = json::parse(payload, nullptr, false);
    if (m.is_discarded() || !m.is_object()) return malformed("not a JSON object");
    const json* kind = member(m, "kind");
    if (!kind || !kind->is_string()) return malformed("no \"kind\" string");
    const auto& k = kind->get_ref<const std::string&>();
    if (k == "archive") return parse_archive(m);
    if (k == "revoke-session") return parse_revoke_session(m);
    if (k == "revoke-user") return parse_revoke_user(m);
    if (k == "quota") return parse_quota(m);
    return {std::nullopt, true, "unknown kind \"" + log_safe(k, 32) + "\""};
}

}  // namespace mqchat::plugin
