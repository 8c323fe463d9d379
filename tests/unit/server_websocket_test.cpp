// The front's WebSocket server side: SHA-1 and the accept key, the opening
// handshake, the frame decoder (masking, fragments, control frames in
// between, violations) and the server's frames.
#include <gtest/gtest.h>

#include <string>

#include "../support/mqtt_bytes.hpp"
#include "server/wire/sha1.hpp"
#include "server/wire/websocket.hpp"

namespace {

using namespace mqchat::server::wire;

std::string hex(const Sha1Digest& d) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : d) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

TEST(ServerSha1, KnownVectors) {
    EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    EXPECT_EQ(hex(sha1(std::string(1000000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(ServerWebSocket, AcceptKeyOfRfc6455) {
    EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

RequestHead head_of(const std::string& text) {
    RequestHeadReader reader;
    const HeadResult r = reader.next(text);
    EXPECT_EQ(r.status, HeadStatus::complete) << r.error;
    return r.head;
}

// What Paho 1.3.12's ws:// client sends.
const std::string kPahoUpgrade =
    "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:28999\r\nUpgrade: websocket\r\nConnection: "
    "Upgrade\r\nOrigin: http://127.0.0.1:28999\r\nSec-WebSocket-Key: "
    "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: "
    "mqtt\r\n\r\n";

TEST(ServerWebSocket, HandshakeEchoesTheMqttSubprotocol) {
    const WsHandshake h = websocket_handshake(head_of(kPahoUpgrade));
    ASSERT_TRUE(h.accepted);
    EXPECT_EQ(h.subprotocol, "mqtt");
    EXPECT_EQ(h.answer,
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
              "Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
}

TEST(ServerWebSocket, HandshakeOnAnyPathAndSubprotocolChoice) {
    const auto any_path = websocket_handshake(head_of(replaced(kPahoUpgrade, "/mqtt", "/")));
    EXPECT_TRUE(any_path.accepted);
    const auto v31 = websocket_handshake(head_of(replaced(
        kPahoUpgrade, "Sec-WebSocket-Protocol: mqtt", "Sec-WebSocket-Protocol: x, mqttv3.1")));
    EXPECT_EQ(v31.subprotocol, "mqttv3.1");
    const auto none = websocket_handshake(
        head_of(replaced(kPahoUpgrade, "Sec-WebSocket-Protocol: mqtt", "X-Other: 1")));
    ASSERT_TRUE(none.accepted);
    EXPECT_EQ(none.subprotocol, "");
    EXPECT_EQ(none.answer.find("Sec-WebSocket-Protocol"), std::string::npos);
}

TEST(ServerWebSocket, BadHandshakesAreRefused) {
    const struct {
        std::string from, to, status;
    } cases[] = {
        {"GET /mqtt", "POST /mqtt", "400"},
        {"Upgrade: websocket", "Upgrade: h2c", "426"},
        {"Connection: Upgrade", "Connection: keep-alive", "400"},
        {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", "426"},
        {"dGhlIHNhbXBsZSBub25jZQ==", "short==", "400"},
        {"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ!=", "400"},
    };
    for (const auto& c : cases) {
        const WsHandshake h = websocket_handshake(head_of(replaced(kPahoUpgrade, c.from, c.to)));
        EXPECT_FALSE(h.accepted) << c.to;
        EXPECT_TRUE(h.answer.starts_with("HTTP/1.1 " + c.status)) << h.answer;
        EXPECT_NE(h.answer.find("Connection: close"), std::string::npos);
    }
    const auto old = websocket_handshake(
        head_of(replaced(kPahoUpgrade, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")));
    EXPECT_NE(old.answer.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
}

using testsupport::ws_client_frame;

constexpr std::uint8_t kFinBinary = 0x82;

TEST(ServerWebSocket, DecodesMaskedBinaryFramesOfEverySize) {
    for (const std::size_t size : {0UL, 1UL, 125UL, 126UL, 65535UL, 65536UL, 70000UL}) {
        std::string payload(size, '\0');
        for (std::size_t i = 0; i < size; ++i)
            payload[i] = static_cast<char>(i * 7);
        WsDecoder d;
        std::string out;
        const std::string frame = ws_client_frame(kFinBinary, payload);
        const auto r = d.decode(frame, out, 1 << 20);
        EXPECT_EQ(r.consumed, frame.size()) << size;
        EXPECT_EQ(out, payload) << size;
        EXPECT_FALSE(r.failure);
    }
}

// Whatever the split, the same bytes come out: headers wait for all their
// bytes, payloads stream, and `room` holds back the rest.
TEST(ServerWebSocket, SplitInputAndLimitedRoomGiveTheSamePayload) {
    const std::string payload("\x10\x0c\x00\x04MQTT\x05\x02\x00\x3c\x00\x00", 14);
    const std::string stream = ws_client_frame(0x02, payload.substr(0, 5)) +
                               ws_client_frame(0x89, "ping!") +  // a ping between fragments
                               ws_client_frame(0x80, payload.substr(5));
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        WsDecoder d;
        std::string out;
        std::string pending;
        int pings = 0;
        for (std::size_t i = 0; i < stream.size(); i += chunk) {
            pending += stream.substr(i, chunk);
            for (;;) {
                const auto r = d.decode(pending, out, 3);  // at most 3 payload bytes a call
                pending.erase(0, r.consumed);
                ASSERT_FALSE(r.failure) << r.problem;
                if (r.control) {
                    EXPECT_EQ(r.control->opcode, WsOpcode::ping);
                    EXPECT_EQ(r.control->payload, "ping!");
                    ++pings;
                }
                if (r.consumed == 0) break;
            }
        }
        EXPECT_EQ(out, payload) << chunk;
        EXPECT_EQ(pings, 1) << chunk;
        EXPECT_TRUE(pending.empty()) << chunk;
    }
}

std::optional<std::uint16_t> failure_of(const std::string& stream) {
    WsDecoder d;
    std::string out;
    std::string_view in = stream;
    for (;;) {
        const auto r = d.decode(in, out, 1 << 20);
        if (r.failure || r.consumed == 0) return r.failure;
        in.remove_prefix(r.consumed);
    }
}

TEST(ServerWebSocket, ProtocolViolationsFailWithTheirCloseCode) {
    std::string unmasked = ws_client_frame(kFinBinary, "x");
    unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
    EXPECT_EQ(failure_of(unmasked), kWsCloseProtocolError);
    EXPECT_EQ(failure_of(ws_client_frame(0xC2, "x")), kWsCloseProtocolError);  // RSV1
    EXPECT_EQ(failure_of(ws_client_frame(0x83, "x")), kWsCloseProtocolError);  // opcode 3
    EXPECT_EQ(failure_of(ws_client_frame(0x81, "text")), kWsCloseUnsupportedData);
    EXPECT_EQ(failure_of(ws_client_frame(0x80, "x")),
              kWsCloseProtocolError);  // continuation of nothing
    EXPECT_EQ(failure_of(ws_client_frame(0x02, "a") + ws_client_frame(kFinBinary, "b")),
              kWsCloseProtocolError);  // new message inside one
    EXPECT_EQ(failure_of(ws_client_frame(0x09, "x")), kWsCloseProtocolError);  // fragmented ping
    EXPECT_EQ(failure_of(ws_client_frame(0x89, std::string(126, 'p'))), kWsCloseProtocolError);
    EXPECT_EQ(failure_of(ws_client_frame(0x88, "x")), kWsCloseProtocolError);  // 1-byte close
    std::string huge = ws_client_frame(kFinBinary, "");
    huge[1] = static_cast<char>(0x80 | 127);
    huge.insert(2, std::string("\x80\0\0\0\0\0\0\0", 8));
    EXPECT_EQ(failure_of(huge), kWsCloseProtocolError);  // 64-bit length with its top bit set
}

TEST(ServerWebSocket, CloseFrameIsHandedOver) {
    WsDecoder d;
    std::string out;
    const std::string stream = ws_client_frame(kFinBinary, "ab") +
                               ws_client_frame(0x88, ws_close_payload(1001) + "bye") +
                               ws_client_frame(kFinBinary, "never");
    const auto r = d.decode(stream, out, 100);
    ASSERT_TRUE(r.control);
    EXPECT_EQ(r.control->opcode, WsOpcode::close);
    EXPECT_EQ(r.control->payload, std::string("\x03\xe9", 2) + "bye");
    EXPECT_EQ(out, "ab");
    EXPECT_LT(r.consumed, stream.size());  // decoding stopped after the close frame
}

TEST(ServerWebSocket, ServerFramesAreUnmaskedWithMinimalLengths) {
    std::string out;
    append_ws_frame(out, WsOpcode::binary, "hi");
    EXPECT_EQ(out, std::string("\x82\x02hi", 4));
    out.clear();
    append_ws_frame(out, WsOpcode::binary, std::string(300, 'x'));
    EXPECT_EQ(out.substr(0, 4), std::string("\x82\x7e\x01\x2c", 4));
    out.clear();
    append_ws_frame(out, WsOpcode::binary, std::string(70000, 'x'));
    EXPECT_EQ(out.substr(0, 10), std::string("\x82\x7f\0\0\0\0\0\x01\x11\x70", 10));
    EXPECT_EQ(out.size(), 70010U);
    out.clear();
    append_ws_frame(out, WsOpcode::close, ws_close_payload(kWsCloseNormal));
    EXPECT_EQ(out, std::string("\x88\x02\x03\xe8", 4));
}

}  // namespace
