// The MQTT 5 codec of mqchatd's own client: exact bytes out, strict decoding in.
#include <gtest/gtest.h>

#include "core/mqtt_packet.hpp"

namespace {

using namespace mqchat::mqtt;
using namespace std::string_literals;

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values)
        out += static_cast<char>(v);
    return out;
}

// The one frame in `wire`, decoded.
Decoded decode_all(const std::string& wire) {
    const auto r = next_frame(wire, 1 << 20);
    EXPECT_TRUE(r.problem.empty()) << r.problem;
    if (!r.frame) return {std::nullopt, "incomplete"};
    EXPECT_EQ(r.frame->size, wire.size());
    return decode(*r.frame);
}

template <typename T>
T decoded_as(const std::string& wire) {
    const auto d = decode_all(wire);
    EXPECT_TRUE(d.packet) << d.problem;
    if (!d.packet || !std::holds_alternative<T>(*d.packet)) {
        ADD_FAILURE() << "another packet type";
        return T{};
    }
    return std::get<T>(*d.packet);
}

std::string problem_of(const std::string& wire) {
    const auto r = next_frame(wire, 1 << 20);
    if (!r.problem.empty()) return r.problem;
    if (!r.frame) return "incomplete";
    const auto d = decode(*r.frame);
    EXPECT_FALSE(d.packet);
    return d.problem;
}

TEST(MqttVarint, ShortestFormsUpToFourBytes) {
    const std::pair<std::uint32_t, std::string> cases[] = {
        {0, bytes({0x00})},
        {127, bytes({0x7F})},
        {128, bytes({0x80, 0x01})},
        {16383, bytes({0xFF, 0x7F})},
        {16384, bytes({0x80, 0x80, 0x01})},
        {2097152, bytes({0x80, 0x80, 0x80, 0x01})},
        {kMaxVarint, bytes({0xFF, 0xFF, 0xFF, 0x7F})},
    };
    for (const auto& [value, encoded] : cases) {
        std::string out;
        append_varint(out, value);
        EXPECT_EQ(out, encoded) << value;
    }
    std::string out;
    EXPECT_THROW(append_varint(out, kMaxVarint + 1), std::length_error);
}

TEST(MqttFrame, WaitsForTheWholePacket) {
    const std::string ping = bytes({0xD0, 0x00});
    EXPECT_FALSE(next_frame("", 100).frame);
    EXPECT_FALSE(next_frame(ping.substr(0, 1), 100).frame);
    const std::string publish = encode_publish({"t", "payload", 0});
    for (std::size_t n = 0; n < publish.size(); ++n) {
        const auto r = next_frame(publish.substr(0, n), 100);
        EXPECT_FALSE(r.frame) << n;
        EXPECT_TRUE(r.problem.empty()) << n;
    }
    const auto two = next_frame(ping + publish, 100);
    ASSERT_TRUE(two.frame);
    EXPECT_EQ(two.frame->size, 2U);
    EXPECT_EQ(two.frame->type(), PacketType::pingresp);
}

TEST(MqttFrame, RefusesMalformedLengthsAndOversizePackets) {
    EXPECT_EQ(problem_of(bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01})),
              "malformed remaining length");
    EXPECT_EQ(problem_of(bytes({0x30, 0x80, 0x00})), "malformed remaining length");  // not shortest
    EXPECT_EQ(problem_of(bytes({0x00, 0x00})), "packet type 0");
    // Refused as soon as the length is known, before the body is there.
    const auto big = next_frame(bytes({0x30, 0xFF, 0xFF, 0x03}), 65536);
    EXPECT_FALSE(big.frame);
    EXPECT_NE(big.problem.find("over the limit"), std::string::npos);
}

TEST(MqttEncode, ConnectWithEveryField) {
    ConnectFields c;
    c.client_id = "id";
    c.username = "u";
    c.password = "pw";
    c.keepalive_s = 10;
    c.clean_start = false;
    c.session_expiry_s = 604800;
    c.receive_maximum = 1024;
    c.maximum_packet_size = 1 << 20;
    const std::string expected =
        bytes({0x10, 0x23, 0x00, 0x04}) + "MQTT" + bytes({0x05, 0xC0, 0x00, 0x0A}) +
        bytes(
            {0x0D, 0x11, 0x00, 0x09, 0x3A, 0x80, 0x21, 0x04, 0x00, 0x27, 0x00, 0x10, 0x00, 0x00}) +
        bytes({0x00, 0x02}) + "id" + bytes({0x00, 0x01}) + "u" + bytes({0x00, 0x02}) + "pw";
    EXPECT_EQ(encode_connect(c), expected);
}

TEST(MqttEncode, SmallPackets) {
    EXPECT_EQ(encode_subscribe(3, "a/b", 1),
              bytes({0x82, 0x09, 0x00, 0x03, 0x00, 0x00, 0x03}) + "a/b" + bytes({0x01}));
    EXPECT_EQ(encode_unsubscribe(4, "a/b"),
              bytes({0xA2, 0x08, 0x00, 0x04, 0x00, 0x00, 0x03}) + "a/b");
    EXPECT_EQ(encode_puback(0x1234), bytes({0x40, 0x02, 0x12, 0x34}));
    EXPECT_EQ(encode_puback(0x1234, 0x80), bytes({0x40, 0x03, 0x12, 0x34, 0x80}));
    EXPECT_EQ(encode_pingreq(), bytes({0xC0, 0x00}));
    EXPECT_EQ(encode_disconnect(), bytes({0xE0, 0x00}));
    EXPECT_EQ(encode_disconnect(0x81), bytes({0xE0, 0x01, 0x81}));
    EXPECT_EQ(encode_publish({"t", "x", 1, true, true, 5}),
              bytes({0x3B, 0x07, 0x00, 0x01, 't', 0x00, 0x05, 0x00, 'x'}));
}

TEST(MqttDecode, PublishRoundTrips) {
    for (const Publish& p : {Publish{"chat/general/messages", "{}", 1, false, false, 9},
                             Publish{"a", "", 0, false, true, 0},
                             Publish{"a", std::string(300, 'x'), 1, true, false, 65535}}) {
        EXPECT_EQ(decoded_as<Publish>(encode_publish(p)), p);
    }
}

TEST(MqttDecode, PublishPropertiesAreSkipped) {
    // Message expiry, a user property and a subscription identifier.
    const std::string props = bytes(
        {0x02, 0x00, 0x00, 0x00, 0x3C, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', 0x0B, 0x81, 0x01});
    const std::string body =
        bytes({0x00, 0x01, 't', 0x00, 0x07}) + static_cast<char>(props.size()) + props + "payload";
    const auto p = decoded_as<Publish>(bytes({0x32, static_cast<int>(body.size())}) + body);
    EXPECT_EQ(p.topic, "t");
    EXPECT_EQ(p.packet_id, 7);
    EXPECT_EQ(p.payload, "payload");
}

TEST(MqttDecode, MalformedPublishes) {
    const auto publish = [](int header, const std::string& body) {
        return problem_of(bytes({header, static_cast<int>(body.size())}) + body);
    };
    const std::string ok_qos1 = bytes({0x00, 0x01, 't', 0x00, 0x07, 0x00});
    EXPECT_EQ(publish(0x34, ok_qos1), "QoS 2 PUBLISH");
    EXPECT_EQ(publish(0x36, ok_qos1), "PUBLISH with QoS 3");
    EXPECT_EQ(publish(0x38, bytes({0x00, 0x01, 't', 0x00})), "DUP set on a QoS 0 PUBLISH");
    EXPECT_EQ(publish(0x32, bytes({0x00, 0x01, 't', 0x00, 0x00, 0x00})), "PUBLISH packet id 0");
    EXPECT_EQ(publish(0x32, bytes({0x00, 0x05, 't'})), "malformed PUBLISH topic");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x00, 0x00})), "PUBLISH without a topic");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, '#', 0x00})), "wildcard in a PUBLISH topic");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x02, 0xC3, 0x28, 0x00})), "malformed PUBLISH topic");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 0x00, 0x00})), "malformed PUBLISH topic");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x01})),
              "PUBLISH with a topic alias");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 't', 0x02, 0x7F, 0x00})), "unknown property 127");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 't', 0x04, 0x01, 0x00, 0x01, 0x01})),
              "repeated property 1");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 't', 0x05, 0x02, 0x00})), "truncated properties");
    EXPECT_EQ(publish(0x30, bytes({0x00, 0x01, 't', 0x02, 0x02, 0x00})),
              "malformed value of property 2");
}

TEST(MqttDecode, Connack) {
    const auto plain = decoded_as<Connack>(bytes({0x20, 0x03, 0x01, 0x00, 0x00}));
    EXPECT_TRUE(plain.session_present);
    EXPECT_EQ(plain.reason, 0);
    EXPECT_EQ(plain.receive_maximum, 65535);
    // Receive maximum 100, maximum packet size, server keep alive, reason string.
    const auto full =
        decoded_as<Connack>(bytes({0x20, 0x13, 0x00, 0x87, 0x10, 0x21, 0x00, 0x64, 0x27, 0x00, 0x00,
                                   0x10, 0x00, 0x13, 0x00, 0x05, 0x1F, 0x00, 0x02, 'n',  'o'}));
    EXPECT_FALSE(full.session_present);
    EXPECT_EQ(full.reason, 0x87);
    EXPECT_EQ(full.receive_maximum, 100);
    EXPECT_EQ(full.maximum_packet_size, 4096U);
    EXPECT_EQ(full.server_keepalive, 5);
    EXPECT_EQ(full.reason_string, "no");
    EXPECT_EQ(decoded_as<Connack>(bytes({0x20, 0x02, 0x00, 0x00})).reason, 0);  // no properties
    EXPECT_EQ(problem_of(bytes({0x20, 0x03, 0x02, 0x00, 0x00})), "reserved CONNACK flags set");
    EXPECT_EQ(problem_of(bytes({0x20, 0x01, 0x00})), "truncated CONNACK");
    EXPECT_EQ(problem_of(bytes({0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00})),
              "CONNACK receive maximum of 0");
    EXPECT_EQ(problem_of(bytes({0x20, 0x04, 0x00, 0x00, 0x00, 0x00})),
              "bytes after the CONNACK properties");
    EXPECT_EQ(problem_of(bytes({0x21, 0x03, 0x00, 0x00, 0x00})),
              "reserved flags set on packet type 2");
}

TEST(MqttDecode, AcksPingAndDisconnect) {
    const auto short_ack = decoded_as<Puback>(bytes({0x40, 0x02, 0x00, 0x05}));
    EXPECT_EQ(short_ack.packet_id, 5);
    EXPECT_EQ(short_ack.reason, 0);
    const auto refused = decoded_as<Puback>(bytes({0x40, 0x04, 0x00, 0x05, 0x87, 0x00}));
    EXPECT_EQ(refused.reason, 0x87);
    EXPECT_EQ(problem_of(bytes({0x40, 0x02, 0x00, 0x00})), "PUBACK packet id 0");
    EXPECT_EQ(problem_of(bytes({0x40, 0x01, 0x00})), "truncated PUBACK");

    const auto suback = decoded_as<Suback>(bytes({0x90, 0x04, 0x00, 0x03, 0x00, 0x01}));
    EXPECT_EQ(suback.packet_id, 3);
    EXPECT_EQ(suback.reasons, std::vector<std::uint8_t>{1});
    EXPECT_EQ(problem_of(bytes({0x90, 0x03, 0x00, 0x03, 0x00})), "SUBACK without reason codes");

    const auto unsuback = decoded_as<Unsuback>(bytes({0xB0, 0x04, 0x00, 0x04, 0x00, 0x11}));
    EXPECT_EQ(unsuback.packet_id, 4);
    EXPECT_EQ(unsuback.reasons, std::vector<std::uint8_t>{0x11});
    EXPECT_EQ(problem_of(bytes({0xB0, 0x03, 0x00, 0x04, 0x00})), "UNSUBACK without reason codes");
    EXPECT_EQ(problem_of(bytes({0xB0, 0x04, 0x00, 0x00, 0x00, 0x00})), "UNSUBACK packet id 0");

    decoded_as<Pingresp>(bytes({0xD0, 0x00}));
    EXPECT_EQ(problem_of(bytes({0xD0, 0x01, 0x00})), "PINGRESP with a body");

    EXPECT_EQ(decoded_as<Disconnect>(bytes({0xE0, 0x00})).reason, 0);
    const auto d =
        decoded_as<Disconnect>(bytes({0xE0, 0x07, 0x8E, 0x05, 0x1F, 0x00, 0x02, 'b', 'y'}));
    EXPECT_EQ(d.reason, 0x8E);
    EXPECT_EQ(d.reason_string, "by");

    EXPECT_EQ(problem_of(bytes({0x62, 0x02, 0x00, 0x01})), "unexpected packet type 6");
    EXPECT_EQ(problem_of(bytes({0x10, 0x00})), "unexpected packet type 1");
}

}  // namespace
