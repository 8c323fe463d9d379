// The archive side of mqchatd: what a chat payload becomes in the database.
// Pure of MQTT: service_link.cpp feeds it messages from the broker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/room_name.hpp"
#include "store.hpp"

namespace mqchat::server {

// The archiver's shared subscription: instances of mqchatd split the stream.
inline constexpr const char* kArchiveFilter = "$share/mqchatd/chat/+/messages";

using mqchat::room_of_topic;  // core/room_name.hpp

struct ArchiveResult {
    std::size_t stored = 0;      // new messages written
    std::size_t duplicates = 0;  // already archived (redelivery, echo of a POST)
    std::string notice;          // non-empty: something in the payload was unreadable
};

// Decodes every dialect (core's decode_payload) and stores each message
// INSERT OR IGNORE by (room, id), in payload order.
ArchiveResult archive_payload(Store& store, std::string_view topic, std::string_view payload,
                              std::int64_t received_ms);

}  // namespace mqchat::server
