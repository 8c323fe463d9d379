// What the front decides from a client's first bytes (the CONNECT reader and
// the CONNACK refusals), the connection caps and the archive gate's rule.
#include <gtest/gtest.h>

#include <string>

#include "../support/mqtt_bytes.hpp"
#include "server/archive_gate.hpp"
#include "server/wire/connection_caps.hpp"
#include "server/wire/mqtt_connect.hpp"

namespace {

using namespace mqchat::server;
using namespace mqchat::server::wire;

using testsupport::mqtt_connect;

TEST(ServerFrontConnect, ReadsLevelAndCredentialsOfEveryVersion) {
    for (const int level : {3, 4, 5}) {
        const std::string p = mqtt_connect(level, "alice-1", "alice", "token");
        const FirstPacket r = read_first_packet(p + "\x82more");  // bytes after it are no concern
        ASSERT_EQ(r.status, FirstPacketStatus::connect) << level << " " << r.problem;
        EXPECT_EQ(r.size, p.size());
        EXPECT_EQ(r.connect.protocol_level, level);
        EXPECT_EQ(r.connect.client_id, "alice-1");
        EXPECT_EQ(r.connect.username, "alice");
        EXPECT_EQ(r.connect.password, "token");
    }
    const FirstPacket anonymous = read_first_packet(mqtt_connect(4, "x"));
    ASSERT_EQ(anonymous.status, FirstPacketStatus::connect);
    EXPECT_FALSE(anonymous.connect.username);
    EXPECT_FALSE(anonymous.connect.password);
}

TEST(ServerFrontConnect, IncompleteUntilTheWholePacket) {
    const std::string p = mqtt_connect(5, "c", "u", std::string(300, 'p'));  // 2-byte length
    for (std::size_t n = 0; n < p.size(); ++n)
        EXPECT_EQ(read_first_packet(p.substr(0, n)).status, FirstPacketStatus::incomplete) << n;
    EXPECT_EQ(read_first_packet(p).status, FirstPacketStatus::connect);
}

TEST(ServerFrontConnect, AnythingButAWellFormedConnectIsInvalid) {
    const auto invalid = [](const std::string& bytes) {
        return read_first_packet(bytes).status == FirstPacketStatus::invalid;
    };
    EXPECT_TRUE(invalid("\x30"));                      // a PUBLISH first
    EXPECT_TRUE(invalid("GET / HTTP/1.1\r\n"));        // HTTP on the MQTT port
    EXPECT_TRUE(invalid(std::string("\x11\x00", 2)));  // CONNECT with flags
    EXPECT_TRUE(invalid("\x10\xff\xff\xff\xff"));      // a 5-byte length
    EXPECT_TRUE(invalid("\x10\xff\xff\x7f"));          // 2 MiB: over the cap
    std::string wrong_name = mqtt_connect(4, "c");
    wrong_name[4] = 'X';  // "MXTT"
    EXPECT_TRUE(invalid(wrong_name));
    std::string wrong_level = mqtt_connect(4, "c");
    wrong_level[8] = 6;
    EXPECT_TRUE(invalid(wrong_level));
    std::string reserved = mqtt_connect(4, "c");
    reserved[9] = static_cast<char>(reserved[9] | 0x01);
    EXPECT_TRUE(invalid(reserved));
    std::string truncated = mqtt_connect(4, "client", "user", "pw");
    truncated[1] = static_cast<char>(truncated[1] - 3);  // the password runs past the end
    EXPECT_TRUE(invalid(truncated.substr(0, truncated.size() - 3)));
    EXPECT_TRUE(read_first_packet(mqtt_connect(4, "c"), 5).status == FirstPacketStatus::invalid);
}

TEST(ServerFrontConnect, RefusalsInTheClientsVersion) {
    EXPECT_EQ(connack_refusal(5, ConnectRefusal::server_unavailable),
              std::string("\x20\x03\x00\x88\x00", 5));
    EXPECT_EQ(connack_refusal(4, ConnectRefusal::server_unavailable),
              std::string("\x20\x02\x00\x03", 4));
    EXPECT_EQ(connack_refusal(3, ConnectRefusal::server_unavailable),
              std::string("\x20\x02\x00\x03", 4));
    EXPECT_EQ(connack_refusal(5, ConnectRefusal::not_authorized),
              std::string("\x20\x03\x00\x87\x00", 5));
    EXPECT_EQ(connack_refusal(4, ConnectRefusal::not_authorized),
              std::string("\x20\x02\x00\x05", 4));
}

TEST(ServerConnectionCaps, CountsPerAddressAndInTotal) {
    ConnectionCaps caps({.max_total = 5, .max_per_address = 2});
    EXPECT_EQ(caps.admit("a"), Admission::admitted);
    EXPECT_EQ(caps.admit("a"), Admission::admitted);
    EXPECT_EQ(caps.admit("a"), Admission::over_address);
    EXPECT_EQ(caps.admit("b"), Admission::admitted);
    EXPECT_EQ(caps.admit("b"), Admission::admitted);
    EXPECT_EQ(caps.admit("c"), Admission::admitted);
    EXPECT_EQ(caps.admit("d"), Admission::over_total);
    EXPECT_EQ(caps.open(), 5U);
    caps.release("a");
    EXPECT_EQ(caps.open_from("a"), 1U);
    EXPECT_EQ(caps.admit("d"), Admission::admitted);
    caps.release("nobody");  // never admitted: nothing to forget
    EXPECT_EQ(caps.open(), 5U);
}

TEST(ServerArchiveGate, OpenOnlyWhileSubscribedOnTheRunningBroker) {
    ArchiveGate gate;
    EXPECT_FALSE(gate.open(true, false, 0));  // started, not subscribed yet
    EXPECT_TRUE(gate.open(true, true, 1));
    EXPECT_FALSE(gate.open(true, false, 1));  // the subscription was lost
    EXPECT_TRUE(gate.open(true, true, 2));
    EXPECT_FALSE(gate.open(false, true, 2));  // the broker died; the loss is not seen yet
    // Restarted, but the old subscription still counts as current: shut.
    EXPECT_FALSE(gate.open(true, true, 2));
    // Lost and made again within one batch of events, on the new broker.
    EXPECT_TRUE(gate.open(true, true, 3));
}

}  // namespace
