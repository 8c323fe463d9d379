// The control channel from mqchatd to the broker plugin: the JSON messages
// mqchatd publishes on $mqchatd/control. The plugin's strict reader is
// src/plugin/control.hpp; a unit test holds the two to the same format.
#pragma once

#include <cstdint>
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

}  // namespace mqchat::control
