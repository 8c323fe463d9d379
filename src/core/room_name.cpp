// Room-name validation.
#include "room_name.hpp"

#include <cstdio>

namespace mqchat {
namespace {

bool room_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

}  // namespace

std::string quote_for_error(std::string_view bytes, std::size_t max_bytes) {
    std::string out = "'";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == max_bytes) {
            out += "…";
            break;
        }
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7F && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    return out + "'";
}

std::string room_name_problem(std::string_view name) {
    const std::string rule = "a room name is 1-64 characters of A-Z a-z 0-9 . _ -";
    if (name.empty()) return "empty room name: " + rule;
    if (name.size() > kMaxRoomNameLength)
        return "room name too long (" + std::to_string(name.size()) + " characters): " + rule;
    for (char c : name)
        if (!room_char(c)) return "invalid room name " + quote_for_error(name) + ": " + rule;
    return {};
}

std::string room_topic(std::string_view room) {
    return "chat/" + std::string(room) + "/messages";
}

std::optional<std::string> room_of_topic(std::string_view topic) {
    constexpr std::string_view prefix = "chat/";
    constexpr std::string_view suffix = "/messages";
    if (topic.size() <= prefix.size() + suffix.size() || !topic.starts_with(prefix) ||
        !topic.ends_with(suffix))
        return std::nullopt;
    const auto room = topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
    if (!is_valid_room_name(room)) return std::nullopt;
    return std::string(room);
}

}  // namespace mqchat
