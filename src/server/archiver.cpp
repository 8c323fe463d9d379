// Topic parsing and payload archiving.
#include "archiver.hpp"

#include "core/payload_codec.hpp"
#include "core/room_name.hpp"

namespace mqchat::server {

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
