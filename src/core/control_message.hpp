// The control channel from mqchatd to the broker plugin: the JSON messages
// mqchatd publishes on $mqchatd/control, written and read in this one place
// so both ends agree on every field name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqchat::control {

inline constexpr std::string_view kTopic = "$mqchatd/control";

// {"kind":"archive","open":true} / {"kind":"archive","open":false,"reason":"…"}
std::string archive_message(bool open, std::string_view reason);
// {"kind":"revoke-session","sid":"<32 hex>","until":<unix s>}
std::string revoke_session_message(std::string_view sid, std::int64_t until_s);
// {"kind":"revoke-user","user":"<id>"}
std::string revoke_user_message(std::string_view user);
// {"kind":"quota","user":"<id>","over":true,"reason":"…"} / "over":false (no reason)
std::string quota_message(std::string_view user, bool over, std::string_view reason);

enum class Kind { archive, revoke_session, revoke_user, quota, unknown };

struct Message {
    Kind kind = Kind::unknown;
    std::string kind_text;   // as sent, for logging an unknown kind once
    bool open = false;       // archive
    bool over = false;       // quota
    std::string reason;      // archive (closed), quota (over)
    std::string sid;         // revoke-session
    std::int64_t until = 0;  // revoke-session
    std::string user;        // revoke-user, quota
};

// A control message, or nullopt when `payload` is not a JSON object with a
// string "kind" and the members its kind needs (with their types). An
// unknown kind parses as Kind::unknown, to be ignored.
std::optional<Message> parse_message(std::string_view payload);

}  // namespace mqchat::control
