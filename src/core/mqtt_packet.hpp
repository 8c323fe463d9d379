// The MQTT 5 packets mqchat's own broker client speaks (mqchatd's archiver
// link, and the client's mqtt:// connections), as bytes: encoding
// of what a client sends, framing and strict decoding of what a server
// sends. Pure (no sockets), so every byte path is unit tested and fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mqchat::mqtt {

// The largest Remaining Length a 4-byte variable byte integer can carry.
inline constexpr std::uint32_t kMaxVarint = 268'435'455;

enum class PacketType : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,
};

// --- encoding (client -> server) ---------------------------------------------

struct ConnectFields {
    std::string client_id;
    std::string username;
    std::string password;
    std::uint16_t keepalive_s = 10;
    bool clean_start = true;
    std::uint32_t session_expiry_s = 0;
    std::uint16_t receive_maximum = 0;      // 0: not sent (the protocol default 65535)
    std::uint32_t maximum_packet_size = 0;  // 0: not sent (no limit)
};

struct Publish {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;  // 0 or 1
    bool dup = false;
    bool retain = false;
    std::uint16_t packet_id = 0;  // QoS 1 only; never 0 then

    bool operator==(const Publish&) const = default;
};

// Appends `value` (at most kMaxVarint) as a variable byte integer.
void append_varint(std::string& out, std::uint32_t value);

std::string encode_connect(const ConnectFields& fields);
// One filter, with no-local, retain-as-published and retain handling left 0
// (a shared subscription must not set no-local).
std::string encode_subscribe(std::uint16_t packet_id, std::string_view filter, std::uint8_t qos);
// Without properties.
std::string encode_unsubscribe(std::uint16_t packet_id, std::string_view filter);
std::string encode_publish(const Publish& publish);
std::string encode_puback(std::uint16_t packet_id, std::uint8_t reason = 0);
std::string encode_pingreq();
std::string encode_disconnect(std::uint8_t reason = 0);

// --- framing -----------------------------------------------------------------

struct Frame {
    std::uint8_t header = 0;  // packet type << 4 | flags
    std::string_view body;    // the Remaining Length bytes after the fixed header
    std::size_t size = 0;     // fixed header + body: what the frame takes of the buffer

    PacketType type() const { return static_cast<PacketType>(header >> 4); }
};

struct FrameResult {
    std::optional<Frame> frame;  // empty: need more bytes, or malformed
    std::string problem;         // non-empty: the stream is malformed; close it
};

// The first packet in `buffer`. Empty without a problem while the packet is
// incomplete. Malformed: a Remaining Length longer than 4 bytes or not in its
// shortest form, a packet type of 0, or a packet larger than `max_size`
// (checked as soon as the length is known, before the body arrives).
FrameResult next_frame(std::string_view buffer, std::size_t max_size);

// --- decoding (server -> client) ----------------------------------------------

struct Connack {
    bool session_present = false;
    std::uint8_t reason = 0;
    std::uint16_t receive_maximum =
        65535;  // how many QoS 1 publishes the server takes unacknowledged
    std::uint32_t maximum_packet_size = 0;  // 0: no limit
    std::optional<std::uint16_t> server_keepalive;
    std::string reason_string;
};

struct Puback {
    std::uint16_t packet_id = 0;
    std::uint8_t reason = 0;
};

struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reasons;
};

struct Unsuback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reasons;
};

struct Pingresp {};

struct Disconnect {
    std::uint8_t reason = 0;
    std::string reason_string;
};

using Inbound = std::variant<Connack, Publish, Puback, Suback, Unsuback, Pingresp, Disconnect>;

struct Decoded {
    std::optional<Inbound> packet;
    std::string problem;  // when packet is empty: why the bytes are not a valid packet
};

// Decodes a packet a server may send a QoS 0/1 client: CONNACK, PUBLISH (QoS
// 0 or 1), PUBACK, SUBACK, UNSUBACK, PINGRESP, DISCONNECT. Properties are checked for
// their shape and skipped unless listed above. Anything else (other types,
// reserved flags set, QoS 2, a topic alias, bytes past the end, invalid
// UTF-8 in strings) is a problem, never an exception.
Decoded decode(const Frame& frame);

}  // namespace mqchat::mqtt
