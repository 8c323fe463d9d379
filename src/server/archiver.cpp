// Topic parsing and payload archiving.
#include "archiver.hpp"

#include "core/payload_codec.hpp"
#include "core/room_name.hpp"

namespace mqchat::server {

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

ArchiveResult archive_payload(Store& store, std::string_view topic, std::string_view payload,
                              std::int64_t received_ms) {
    ArchiveResult result;
    const auto room = room_of_topic(topic);
    if (!room) {
        result.notice = "not a chat topic: " + quote_for_error(topic);
        return result;
    }
    auto decoded = decode_payload(payload, received_ms);
    result.notice = std::move(decoded.notice);
    for (const auto& message : decoded.messages) {
        if (store.insert_message(*room, message, received_ms))
            ++result.stored;
        else
            ++result.duplicates;
    }
    return result;
}

}  // namespace mqchat::server
