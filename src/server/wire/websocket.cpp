// RFC 6455 §4.2 (handshake) and §5 (framing), server side.
#include "websocket.hpp"

#include <algorithm>

#include "http_response.hpp"
#include "sha1.hpp"

namespace mqchat::server::wire {
namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::uint64_t kMaxControlPayload = 125;

WsHandshake refuse(int status, std::string_view extra_header = {}) {
    WsHandshake h;
    h.answer = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) +
               "\r\n" + std::string(extra_header) +
               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    return h;
}

// A Sec-WebSocket-Key is the base64 of 16 bytes: 22 characters and "==".
bool plausible_key(std::string_view key) {
    if (key.size() != 24 || !key.ends_with("==")) return false;
    return std::all_of(key.begin(), key.end() - 2, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
}

// The MQTT subprotocol the client offers: "mqtt" (MQTT 3.1.1 and 5; MQTT.js
// and Paho send it), else the MQTT 3.1 name.
std::string chosen_subprotocol(const RequestHead& request) {
    for (const char* name : {"mqtt", "mqttv3.1"})
        if (request.header_has_token("sec-websocket-protocol", name)) return name;
    return {};
}

std::uint64_t big_endian(std::string_view bytes) {
    std::uint64_t v = 0;
    for (const char c : bytes)
        v = (v << 8) | static_cast<unsigned char>(c);
    return v;
}

}  // namespace

std::string websocket_accept(std::string_view key) {
    const Sha1Digest digest = sha1(std::string(key) + std::string(kAcceptGuid));
    return base64_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

WsHandshake websocket_handshake(const RequestHead& request) {
    if (request.method != "GET" || request.minor_version != 1 || request.content_length != 0)
        return refuse(400);
    if (!request.header_has_token("upgrade", "websocket"))
        return refuse(426, "Upgrade: websocket\r\n");
    if (!request.header_has_token("connection", "upgrade")) return refuse(400);
    const std::string* version = request.header("sec-websocket-version");
    if (!version || *version != "13") return refuse(426, "Sec-WebSocket-Version: 13\r\n");
    const std::string* key = request.header("sec-websocket-key");
    if (!key || !plausible_key(*key)) return refuse(400);
    WsHandshake h;
    h.accepted = true;
    h.subprotocol = chosen_subprotocol(request);
    h.answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        websocket_accept(*key) + "\r\n";
    if (!h.subprotocol.empty()) h.answer += "Sec-WebSocket-Protocol: " + h.subprotocol + "\r\n";
    h.answer += "\r\n";
    return h;
}

std::size_t ws_frame_header(char* header, WsOpcode opcode, std::uint64_t payload_size) {
    header[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
    if (payload_size < 126) {
        header[1] = static_cast<char>(payload_size);
        return 2;
    }
    if (payload_size <= 0xFFFF) {
        header[1] = 126;
        header[2] = static_cast<char>(payload_size >> 8);
        header[3] = static_cast<char>(payload_size & 0xFF);
        return 4;
    }
    header[1] = 127;
    for (int i = 0; i < 8; ++i)
        header[2 + i] = static_cast<char>((payload_size >> (56 - 8 * i)) & 0xFF);
    return kMaxWsServerHeader;
}

void append_ws_frame(std::string& out, WsOpcode opcode, std::string_view payload) {
    char header[kMaxWsServerHeader];
    out.append(header, ws_frame_header(header, opcode, payload.size()));
    out.append(payload);
}

std::string ws_close_payload(std::uint16_t code) {
    return {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

WsDecoder::Result WsDecoder::decode(std::string_view in, std::string& out, std::size_t room) {
    Result r;
    for (;;) {
        if (!in_frame_) {
            if (!start_frame(in.substr(r.consumed), r)) return r;
            if (remaining_ == 0 && (finish_frame(r) || r.failure)) return r;
            continue;
        }
        const std::string_view avail = in.substr(r.consumed);
        const bool control = static_cast<std::uint8_t>(opcode_) >= 0x8;
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, avail.size()));
        if (!control) n = std::min(n, room);
        if (n == 0) return r;
        std::string& sink = control ? control_ : out;
        const std::size_t base = sink.size();
        sink.resize(base + n);
        char* dst = sink.data() + base;
        for (std::size_t i = 0; i < n; ++i)
            dst[i] = static_cast<char>(avail[i] ^ static_cast<char>(mask_[(mask_offset_ + i) & 3]));
        mask_offset_ += n;
        if (!control) room -= n;
        r.consumed += n;
        remaining_ -= n;
        if (remaining_ == 0 && (finish_frame(r) || r.failure)) return r;
    }
}

// Parses a frame header at the start of `in`; false when it is incomplete
// (nothing consumed) or invalid (r.failure set).
bool WsDecoder::start_frame(std::string_view in, Result& r) {
    if (in.size() < 2) return false;
    const auto b0 = static_cast<std::uint8_t>(in[0]);
    const auto b1 = static_cast<std::uint8_t>(in[1]);
    std::size_t header = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length == 126) header += 2;
    if (length == 127) header += 8;
    header += 4;  // the mask
    if (in.size() < header) return false;
    if (length == 126) length = big_endian(in.substr(2, 2));
    if (length == 127) length = big_endian(in.substr(2, 8));
    const auto fail = [&r](std::uint16_t code, const char* why) {
        r.failure = code;
        r.problem = why;
        return false;
    };
    const bool fin = (b0 & 0x80) != 0;
    const auto opcode = static_cast<WsOpcode>(b0 & 0x0F);
    if (b0 & 0x70) return fail(kWsCloseProtocolError, "reserved bits set");
    if ((b1 & 0x80) == 0) return fail(kWsCloseProtocolError, "unmasked client frame");
    if (length >> 63) return fail(kWsCloseProtocolError, "frame length out of range");
    switch (opcode) {
        case WsOpcode::close:
        case WsOpcode::ping:
        case WsOpcode::pong:
            if (!fin || length > kMaxControlPayload)
                return fail(kWsCloseProtocolError, "fragmented or long control frame");
            break;
        case WsOpcode::binary:
            if (message_open_) return fail(kWsCloseProtocolError, "a new message inside a message");
            message_open_ = !fin;
            break;
        case WsOpcode::continuation:
            if (!message_open_) return fail(kWsCloseProtocolError, "continuation of nothing");
            message_open_ = !fin;
            break;
        case WsOpcode::text:
            return fail(kWsCloseUnsupportedData, "MQTT travels in binary frames, not text");
        default:
            return fail(kWsCloseProtocolError, "unknown opcode");
    }
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(header - 4), 4, mask_);
    in_frame_ = true;
    opcode_ = opcode;
    remaining_ = length;
    mask_offset_ = 0;
    control_.clear();
    r.consumed += header;
    return true;
}

// At the end of a frame's payload; true when it was a control frame to hand over.
bool WsDecoder::finish_frame(Result& r) {
    in_frame_ = false;
    if (static_cast<std::uint8_t>(opcode_) < 0x8) return false;
    if (opcode_ == WsOpcode::close && control_.size() == 1) {
        r.failure = kWsCloseProtocolError;
        r.problem = "a close frame with a one-byte payload";
        return false;
    }
    r.control = WsControl{opcode_, std::move(control_)};
    control_.clear();
    return true;
}

}  // namespace mqchat::server::wire
