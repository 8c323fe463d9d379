// The wire format: encodes canonical payloads and reads every dialect of SPEC §2
// (canonical, seed 000 objects, seed 001 InteractionMessage objects and arrays,
// plain text) without ever throwing or passing unreadable bytes on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "message.hpp"

namespace mqchat {

// {"id":…,"user":…,"name":…,"text":…,"timestamp":…[,"kind":"me"][,"reply_to":…]}
// Terminal-safe (see json_text.hpp); "name" is omitted when empty.
std::string encode_payload(const Message& message);

struct DecodeResult {
    std::vector<Message> messages;  // what could be read, in payload order
    std::string notice;             // non-empty when something could not be read
};

// `received_ms` stands in for a missing timestamp. Never throws.
DecodeResult decode_payload(std::string_view payload, std::int64_t received_ms);

inline constexpr int kMaxJsonDepth = 32;

// A JSON array of message objects, as the history API answers: each entry is
// read like a payload object (any dialect); bad entries give one notice.
// Not limited to 64 KiB, as a page of history is many messages.
DecodeResult decode_message_array(std::string_view json_text, std::int64_t received_ms);

}  // namespace mqchat
