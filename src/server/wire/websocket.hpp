// The server side of RFC 6455 as MQTT over WebSockets needs it (MQTT 5 §6):
// the opening handshake and an incremental frame codec that streams binary
// payloads without holding whole messages. Pure, for fuzzing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http_request.hpp"

namespace mqchat::server::wire {

struct WsHandshake {
    bool accepted = false;
    std::string answer;       // the bytes to send: the 101, or a refusal (then close)
    std::string subprotocol;  // when accepted: "mqtt" or "mqttv3.1" if offered, else empty
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string websocket_accept(std::string_view key);

// Answers a client's opening handshake, on any path.
WsHandshake websocket_handshake(const RequestHead& request);

enum class WsOpcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

// Close codes of RFC 6455 §7.4.1 that the decoder reports.
inline constexpr std::uint16_t kWsCloseNormal = 1000;
inline constexpr std::uint16_t kWsCloseProtocolError = 1002;
inline constexpr std::uint16_t kWsCloseUnsupportedData = 1003;

// The longest frame header a server writes (no mask): 2 + 8 bytes.
inline constexpr std::size_t kMaxWsServerHeader = 10;

// Writes the header of an unmasked, final frame into `header` and returns its size.
std::size_t ws_frame_header(char* header, WsOpcode opcode, std::uint64_t payload_size);

// Appends one unmasked, final frame (what a server sends).
void append_ws_frame(std::string& out, WsOpcode opcode, std::string_view payload);

// A close frame's payload: the code, big-endian.
std::string ws_close_payload(std::uint16_t code);

struct WsControl {
    WsOpcode opcode = WsOpcode::close;
    std::string payload;  // unmasked, at most 125 bytes
};

// Client-to-server frames: masked, binary data (fragmented or not), with
// control frames anywhere in between.
class WsDecoder {
  public:
    struct Result {
        std::size_t consumed = 0;          // input bytes used up
        std::optional<WsControl> control;  // a whole control frame; decoding stopped after it
        std::optional<std::uint16_t>
            failure;          // the close code of a protocol violation: stop reading
        std::string problem;  // with failure: what was wrong
    };

    // Decodes what it can from `in`, appending the unmasked payload bytes of
    // binary data frames to `out` but at most `room` of them. Bytes of an
    // incomplete header are left unconsumed for the next call.
    Result decode(std::string_view in, std::string& out, std::size_t room);

  private:
    bool start_frame(std::string_view in, Result& r);
    bool finish_frame(Result& r);

    bool in_frame_ = false;
    bool message_open_ = false;  // a fragmented data message awaits continuations
    WsOpcode opcode_ = WsOpcode::binary;
    std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
    std::uint8_t mask_[4] = {};
    std::size_t mask_offset_ = 0;  // payload bytes of this frame unmasked so far, mod 4
    std::string control_;          // the payload of a control frame being read
};

}  // namespace mqchat::server::wire
