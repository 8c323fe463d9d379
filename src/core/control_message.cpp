// Control message JSON, both directions.
#include "control_message.hpp"

#include <nlohmann/json.hpp>

namespace mqchat::control {
namespace {

// Members in the documented order (kind first), not sorted.
using ordered = nlohmann::ordered_json;

std::string dump(const ordered& value) {
    return value.dump(-1, ' ', false, ordered::error_handler_t::replace);
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

}  // namespace mqchat::control
