// MQTT and WebSocket client bytes written by hand, for tests that must send
// exactly what a client (or an attacker) would: CONNECT packets of each
// protocol version and masked WebSocket frames. Header-only, so unit and
// integration tests share it.
#pragma once

#include <cstdint>
#include <string>

namespace testsupport {

// A two-byte length and the bytes (MQTT strings and binary data).
inline std::string mqtt_prefixed(const std::string& s) {
    return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xFF)} + s;
}

// MQTT's variable byte integer.
inline std::string mqtt_varint(std::size_t n) {
    std::string out;
    do {
        char byte = static_cast<char>(n & 0x7F);
        n >>= 7;
        if (n > 0) byte = static_cast<char>(byte | 0x80);
        out.push_back(byte);
    } while (n > 0);
    return out;
}

// A clean-start CONNECT of protocol `level` (3: MQTT 3.1, 4: 3.1.1, 5),
// keepalive 60 s, with credentials when given; MQTT 5 carries a
// session-expiry property (something to skip for a parser).
inline std::string mqtt_connect(int level, const std::string& client_id,
                                const std::string& user = "", const std::string& password = "") {
    std::string body = mqtt_prefixed(level == 3 ? "MQIsdp" : "MQTT");
    body.push_back(static_cast<char>(level));
    int flags = 0x02;
    if (!user.empty()) flags |= 0x80;
    if (!password.empty()) flags |= 0x40;
    body.push_back(static_cast<char>(flags));
    body += std::string("\x00\x3c", 2);
    if (level == 5) body += std::string("\x05\x11\x00\x00\x00\x10", 6);
    body += mqtt_prefixed(client_id);
    if (!user.empty()) body += mqtt_prefixed(user);
    if (!password.empty()) body += mqtt_prefixed(password);
    return "\x10" + mqtt_varint(body.size()) + body;
}

// A masked client frame; `first_byte` is FIN, RSV and the opcode (0x82: a
// whole binary frame).
inline std::string ws_client_frame(std::uint8_t first_byte, const std::string& payload,
                                   const std::string& mask = "\x11\x22\x33\x44") {
    std::string f(1, static_cast<char>(first_byte));
    const std::size_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    f += mask;
    for (std::size_t i = 0; i < n; ++i)
        f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return f;
}

}  // namespace testsupport
