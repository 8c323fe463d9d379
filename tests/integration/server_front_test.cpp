// mqchatd's front (the public MQTT and WebSocket listeners) against the real
// stack: sockets that never send CONNECT are capped and cut while real
// clients chat, the listeners are bound exactly where configured, the
// archive gate answers CONNECT itself while the broker is down, and MQTT
// over WebSockets works with Paho (mqchat) and by hand.
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "person.hpp"
#include "support/mqtt_bytes.hpp"
#include "support/raw_socket.hpp"
#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";

const std::string kUpgrade =
    "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: mqtt\r\n\r\n";

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

struct Frame {
    int opcode = 0;
    std::string payload;
};

// The server's (unmasked) frames in `bytes`; an incomplete last one is left out.
std::vector<Frame> server_frames(std::string_view bytes) {
    std::vector<Frame> out;
    while (bytes.size() >= 2) {
        std::size_t header = 2;
        std::uint64_t n = static_cast<unsigned char>(bytes[1]) & 0x7F;
        if (n >= 126) {
            const std::size_t width = n == 126 ? 2 : 8;
            if (bytes.size() < 2 + width) break;
            n = 0;
            for (std::size_t i = 0; i < width; ++i)
                n = (n << 8) | static_cast<unsigned char>(bytes[2 + i]);
            header += width;
        }
        if (bytes.size() < header + n) break;
        out.push_back(
            {static_cast<unsigned char>(bytes[0]) & 0x0F, std::string(bytes.substr(header, n))});
        bytes.remove_prefix(header + n);
    }
    return out;
}

// After a WebSocket handshake: the frames that followed the 101 answer.
std::vector<Frame> frames_after_upgrade(const std::string& received) {
    const auto end = received.find("\r\n\r\n");
    if (end == std::string::npos) return {};
    return server_frames(std::string_view(received).substr(end + 4));
}

// An MQTT client's first exchange: its CONNECT, then whatever the front (or
// the broker behind it) answers, until a whole CONNACK or the close.
std::string connect_over_tcp(int port, const std::string& connect) {
    RawSocket s("127.0.0.1", port);
    s.send(connect);
    return s.read_until([](const std::string& got) {
        return got.size() >= 2 && got.size() >= 2U + static_cast<unsigned char>(got[1]);
    });
}

// An account on the stack and an MQTT token for it (room general).
std::pair<std::string, std::string> alice(const Stack& stack) {
    const std::string id = stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    return {id, stack.token(session).at("accessToken").get<std::string>()};
}

const std::string kRefusedV5("\x20\x03\x00\x88\x00", 5);
const std::string kRefusedV311("\x20\x02\x00\x03", 4);

// 1,000 sockets from one address that never send CONNECT, and WebSocket
// clients that never finish (or never follow) their handshake: the address
// gets its 256, the rest are closed at once, the deadline cuts the others;
// meanwhile a real subscriber and publisher on 127.0.0.1 chat as usual.
TEST(ServerFront, SocketsThatNeverConnectAreCappedAndCut) {
    raise_fd_limit();
    Stack stack;
    const auto [id, token] = alice(stack);
    std::vector<RawSocket> mute;
    for (int i = 0; i < 1000; ++i)
        mute.emplace_back("127.0.0.1", stack.mqtt_port(), "127.0.0.2");
    for (int i = 0; i < 10; ++i)  // never a handshake
        mute.emplace_back("127.0.0.1", stack.ws_port(), "127.0.0.3");
    for (int i = 0; i < 10; ++i) {  // a handshake, never a CONNECT
        mute.emplace_back("127.0.0.1", stack.ws_port(), "127.0.0.4");
        mute.back().send(kUpgrade);
        mute.back().read_until([](const std::string& got) { return contains(got, "\r\n\r\n"); });
        EXPECT_TRUE(mute.back().received().starts_with("HTTP/1.1 101 ")) << mute.back().received();
    }

    MqttSubscriber sub(stack.mqtt_port(), id, token, id + "-sub", "chat/general/messages");
    const std::string payload =
        json{{"id", "during-flood"}, {"user", id}, {"text", "still here"}, {"timestamp", 1}}.dump();
    const auto pub =
        publish_as(stack.mqtt_port(), id, token, id + "-pub", "chat/general/messages", payload);
    EXPECT_EQ(pub.status, 0) << pub.err;
    ASSERT_TRUE(sub.wait_for_count(1)) << sub.output();
    EXPECT_EQ(json::parse(sub.payloads().at(0)).at("text"), "still here");

    EXPECT_TRUE(wait_all_closed(mute)) << count_closed(mute) << " of " << mute.size();
    // 744 beyond the cap of 127.0.0.2; 256 + 20 WebSocket ones cut at the deadline.
    EXPECT_TRUE(stack.process().wait_for_err("744 refused by a cap, 276 closed at a deadline"))
        << stack.log();
    EXPECT_EQ(stack.http().get("/healthz").status, 200);
}

// The addresses of this machine's interfaces, loopback or not.
std::vector<std::string> local_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        const int family = i->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) continue;
        char host[NI_MAXHOST] = {};
        const socklen_t size = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        if (::getnameinfo(i->ifa_addr, size, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0 &&
            !contains(host, "%"))  // link-local IPv6 needs a scope: skipped
            out.push_back(host);
    }
    ::freeifaddrs(list);
    return out;
}

// Local addresses (hex, as the kernel prints them) listening on `port`.
std::vector<std::string> listening_on(int port) {
    std::vector<std::string> out;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // the column names
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            const auto colon = local.rfind(':');
            if (state == "0A" && std::stoi(local.substr(colon + 1), nullptr, 16) == port)
                out.push_back(local.substr(0, colon));
        }
    }
    return out;
}

// 127.0.0.1 means loopback only, for MQTT and for WebSockets alike (Mosquitto
// 2.0.11's own WebSocket listener took every address whatever it was told).
TEST(ServerFront, ListenersAreBoundExactlyWhereConfigured) {
    Stack stack;
    for (const int port : {stack.mqtt_port(), stack.ws_port()}) {
        EXPECT_EQ(connect_error("127.0.0.1", port), 0) << port;
        std::vector<std::string> others = {"127.0.0.2", "127.0.1.1"};
        for (const auto& a : local_addresses())
            if (a != "127.0.0.1") others.push_back(a);
        for (const auto& other : others)
            EXPECT_NE(connect_error(other, port), 0) << other << ":" << port << " is reachable";
        EXPECT_EQ(listening_on(port), std::vector<std::string>{"0100007F"}) << port;
    }
}

// While the broker is down (and until the archiver has subscribed on its
// successor) the front answers CONNECT itself: 0x88 for MQTT 5, 3 for 3.1.1,
// also over WebSockets; nothing reaches a broker the archiver is not on.
TEST(ServerFront, TheGateAnswersConnectWhileTheBrokerIsDown) {
    Stack stack;
    const auto [id, token] = alice(stack);
    {
        BrokerBlocker down(stack);  // killed with SIGKILL, kept down
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(connect_over_tcp(stack.mqtt_port(), mqtt_connect(5, id + "-a", id, token)),
                      kRefusedV5);
            EXPECT_EQ(connect_over_tcp(stack.mqtt_port(), mqtt_connect(4, id + "-b", id, token)),
                      kRefusedV311);
        }
        RawSocket ws("127.0.0.1", stack.ws_port());
        ws.send(kUpgrade + ws_client_frame(0x82, mqtt_connect(5, id + "-c", id, token)));
        ASSERT_TRUE(ws.wait_closed());
        const auto frames = frames_after_upgrade(ws.received());
        ASSERT_EQ(frames.size(), 2U) << ws.received();
        EXPECT_EQ(frames[0].opcode, 0x2);
        EXPECT_EQ(frames[0].payload, kRefusedV5);
        EXPECT_EQ(frames[1].opcode, 0x8);  // then a close frame
        const auto until = std::chrono::steady_clock::now() + kDeadline;
        while (stack.http().get("/healthz").status != 503 &&
               std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(50ms);
        EXPECT_EQ(stack.http().get("/healthz").status, 503);
    }
    // The broker is back once the archiver is subscribed: CONNACK 0.
    bool accepted = false;
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!accepted && std::chrono::steady_clock::now() < until) {
        const std::string answer =
            connect_over_tcp(stack.mqtt_port(), mqtt_connect(5, id + "-d", id, token));
        ASSERT_GE(answer.size(), 4U) << "closed without a CONNACK";
        accepted = answer[3] == 0;
        if (!accepted) {
            EXPECT_EQ(answer, kRefusedV5);
            std::this_thread::sleep_for(50ms);
        }
    }
    EXPECT_TRUE(accepted) << stack.log();
    EXPECT_TRUE(contains(stack.log(), "refused by the gate")) << stack.log();
}

// The front forwards until either side closes, and what the broker says
// last (a CONNACK refusal) reaches the client before the close.
TEST(ServerFront, ForwardedConnectionsEndWithEitherSide) {
    Stack stack;
    const auto [id, token] = alice(stack);
    const std::string refused =
        connect_over_tcp(stack.mqtt_port(), mqtt_connect(5, id + "-bad", id, "not-a-token"));
    ASSERT_GE(refused.size(), 4U) << "closed without a CONNACK";
    EXPECT_EQ(static_cast<unsigned char>(refused[3]), 0x87);  // the plugin: not authorized

    // The client leaves: the broker sees its connection end.
    {
        RawSocket client("127.0.0.1", stack.mqtt_port());
        client.send(mqtt_connect(4, id + "-leaves", id, token));
        client.read_until([](const std::string& got) { return got.size() >= 4; });
        ASSERT_EQ(client.received(), std::string("\x20\x02\x00\x00", 4));
    }
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!contains(read_file(stack.data_dir() + "/mosquitto.log"), id + "-leaves closed") &&
           std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(contains(read_file(stack.data_dir() + "/mosquitto.log"), id + "-leaves closed"))
        << read_file(stack.data_dir() + "/mosquitto.log");

    // The broker goes: its clients are disconnected.
    RawSocket client("127.0.0.1", stack.mqtt_port());
    client.send(mqtt_connect(4, id + "-stays", id, token));
    client.read_until([](const std::string& got) { return got.size() >= 4; });
    ASSERT_EQ(client.received(), std::string("\x20\x02\x00\x00", 4));
    const auto broker = stack.broker_pid();
    ASSERT_TRUE(broker);
    ASSERT_EQ(::kill(*broker, SIGKILL), 0);
    EXPECT_TRUE(client.wait_closed());
}

TEST(ServerFront, MqttOverWebSocketsWithPaho) {
    Stack stack;
    stack.add_user("alice@example.com", "Alice", "alice-password");
    stack.add_user("bob@example.com", "Bob", "bob-password");
    Person alice(stack, "alice@example.com", "alice-password");
    Person bob(stack, "bob@example.com", "bob-password");
    const std::string ws = "ws://127.0.0.1:" + std::to_string(stack.ws_port()) + "/mqtt";
    auto tail = bob.start(
        {"general", "--tail", "-v", "-n", "0", "-C", "3", "--format", "%m", "--broker", ws});
    ASSERT_TRUE(tail->wait_for_err("subscribed to")) << tail->err();
    for (int i = 1; i <= 3; ++i) {  // a fresh handshake each time
        const auto r =
            alice.mqchat({"general", "--send", "ws " + std::to_string(i), "--broker", ws});
        EXPECT_EQ(r.status, 0) << r.err;
    }
    ASSERT_EQ(tail->wait_exit(), 0) << tail->err();
    EXPECT_EQ(tail->out(), "ws 1\nws 2\nws 3\n");
}

// The WebSocket details Paho does not exercise: a CONNECT in two fragments
// with a ping between them, the pong, the CONNACK in a binary frame, and the
// close handshake. A plain HTTP request on that port gets 426.
TEST(ServerFront, WebSocketFramingByHand) {
    Stack stack;
    const auto [id, token] = alice(stack);
    RawSocket ws("127.0.0.1", stack.ws_port());
    ws.send(kUpgrade);
    ws.read_until([](const std::string& got) { return contains(got, "\r\n\r\n"); });
    const std::string& head = ws.received();
    EXPECT_TRUE(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << head;
    EXPECT_TRUE(contains(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")) << head;
    EXPECT_TRUE(contains(head, "Sec-WebSocket-Protocol: mqtt\r\n")) << head;

    const std::string connect = mqtt_connect(5, id + "-ws", id, token);
    ws.send(ws_client_frame(0x02, connect.substr(0, 7)) + ws_client_frame(0x89, "are you there") +
            ws_client_frame(0x80, connect.substr(7)));
    ws.read_until([](const std::string& got) { return frames_after_upgrade(got).size() >= 2; });
    auto frames = frames_after_upgrade(ws.received());
    ASSERT_GE(frames.size(), 2U) << ws.received();
    EXPECT_EQ(frames[0].opcode, 0xA);
    EXPECT_EQ(frames[0].payload, "are you there");
    // CONNACK (it may span frames: join the binary payloads).
    std::string mqtt;
    for (std::size_t i = 1; i < frames.size(); ++i)
        mqtt += frames[i].payload;
    ASSERT_GE(mqtt.size(), 4U);
    EXPECT_EQ(mqtt[0], '\x20');
    EXPECT_EQ(mqtt[3], '\x00') << "CONNACK reason";

    ws.send(ws_client_frame(0x88, std::string("\x03\xe8", 2)));
    ASSERT_TRUE(ws.wait_closed());
    frames = frames_after_upgrade(ws.received());
    ASSERT_FALSE(frames.empty());
    EXPECT_EQ(frames.back().opcode, 0x8);

    // Paho 1.3.12 may send its upgrade request twice in a row (loopback):
    // one 101, and the second request is not taken for frames.
    RawSocket twice("127.0.0.1", stack.ws_port());
    twice.send(kUpgrade + kUpgrade + ws_client_frame(0x82, mqtt_connect(4, id + "-2", id, token)));
    twice.read_until([](const std::string& got) { return !frames_after_upgrade(got).empty(); });
    EXPECT_EQ(twice.received().find("HTTP/1.1 101", 1), std::string::npos) << twice.received();
    const auto connack = frames_after_upgrade(twice.received());
    ASSERT_FALSE(connack.empty()) << twice.received();
    EXPECT_EQ(connack[0].payload, std::string("\x20\x02\x00\x00", 4));

    RawSocket plain("127.0.0.1", stack.ws_port());
    plain.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_TRUE(plain.wait_closed());
    EXPECT_TRUE(plain.received().starts_with("HTTP/1.1 426 ")) << plain.received();
}

}  // namespace
