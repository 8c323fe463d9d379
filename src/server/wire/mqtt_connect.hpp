// The first packet of an MQTT connection as the front reads it (MQTT 3.1,
// 3.1.1 and 5): it must be a CONNECT, and the front needs its protocol level
// (to answer a refusal in the client's version) and its credentials (to
// recognise mqchatd's own service connection). Pure, for fuzzing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mqchat::server::wire {

// The largest CONNECT accepted: a token for many rooms is a few KiB; wills
// (unused by mqchat) get the rest.
inline constexpr std::size_t kMaxConnectBytes = 64 * 1024;

struct ConnectInfo {
    int protocol_level = 0;  // 3: MQTT 3.1, 4: 3.1.1, 5: MQTT 5
    std::string client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary data
};

enum class FirstPacketStatus { incomplete, connect, invalid };

struct FirstPacket {
    FirstPacketStatus status = FirstPacketStatus::incomplete;
    ConnectInfo connect;   // when connect
    std::size_t size = 0;  // when connect: the bytes of the whole packet
    std::string problem;   // when invalid: why
};

// Reads the bytes a client has sent so far. Invalid as soon as they cannot
// start a well-formed CONNECT of at most `max_size` bytes.
FirstPacket read_first_packet(std::string_view bytes, std::size_t max_size = kMaxConnectBytes);

enum class ConnectRefusal {
    server_unavailable,  // MQTT 5 reason 0x88; 3.1/3.1.1 return code 3
    not_authorized,      // MQTT 5 reason 0x87; 3.1/3.1.1 return code 5
};

// The CONNACK packet refusing a connection, in the client's protocol version.
std::string connack_refusal(int protocol_level, ConnectRefusal why);

}  // namespace mqchat::server::wire
