// Room names and the topics they map to (SPEC §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqchat {

inline constexpr std::size_t kMaxRoomNameLength = 64;

// Empty when `name` is a valid room name; otherwise a one-line reason, with
// the name shown safely (sanitized, control bytes visible as \xNN).
std::string room_name_problem(std::string_view name);

inline bool is_valid_room_name(std::string_view name) {
    return room_name_problem(name).empty();
}

// "chat/<room>/messages"; the room must be valid.
std::string room_topic(std::string_view room);

// The room of "chat/<room>/messages" when <room> is a valid room name.
std::optional<std::string> room_of_topic(std::string_view topic);

// Renders untrusted bytes for an error message: printable ASCII as is, the rest
// as \xNN, cut to `max_bytes` with "…".
std::string quote_for_error(std::string_view bytes, std::size_t max_bytes = 40);

}  // namespace mqchat
