// Broker URLs: schemes, default ports, IPv6, websocket paths, and refusals.
#include "core/broker_url.hpp"

#include <gtest/gtest.h>

#include <string>

#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using Scheme = BrokerUrl::Scheme;

BrokerUrl parse_ok(std::string_view text) {
    auto r = parse_broker_url(text);
    EXPECT_TRUE(r.url.has_value()) << text << ": " << r.problem;
    EXPECT_EQ(r.problem, "") << text;
    return r.url.value_or(BrokerUrl{});
}

std::string parse_error(std::string_view text) {
    auto r = parse_broker_url(text);
    EXPECT_FALSE(r.url.has_value()) << text << " parsed as " << (r.url ? r.url->to_string() : "");
    EXPECT_EQ(r.problem.rfind("invalid broker URL ", 0), 0U) << r.problem;
    EXPECT_EQ(test_support::terminal_safety_problem(r.problem), "") << r.problem;
    return r.problem;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST(BrokerUrl, SchemesAndDefaultPorts) {
    struct Case {
        const char* text;
        Scheme scheme;
        int port;
        const char* normalised;
        const char* transport;
        bool tls;
        bool ws;
    };
    const Case cases[] = {
        {"mqtt://broker.example", Scheme::mqtt, 1883, "mqtt://broker.example:1883",
         "tcp://broker.example:1883", false, false},
        {"tcp://h", Scheme::mqtt, 1883, "mqtt://h:1883", "tcp://h:1883", false, false},
        {"mqtts://h", Scheme::mqtts, 8883, "mqtts://h:8883", "ssl://h:8883", true, false},
        {"ssl://h", Scheme::mqtts, 8883, "mqtts://h:8883", "ssl://h:8883", true, false},
        {"tls://h", Scheme::mqtts, 8883, "mqtts://h:8883", "ssl://h:8883", true, false},
        {"ws://h", Scheme::ws, 80, "ws://h:80/mqtt", "ws://h:80/mqtt", false, true},
        {"wss://h", Scheme::wss, 443, "wss://h:443/mqtt", "wss://h:443/mqtt", true, true},
        {"h", Scheme::mqtt, 1883, "mqtt://h:1883", "tcp://h:1883", false, false},
        {"127.0.0.1:1884", Scheme::mqtt, 1884, "mqtt://127.0.0.1:1884", "tcp://127.0.0.1:1884",
         false, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const BrokerUrl url = parse_ok(c.text);
        EXPECT_EQ(url.scheme, c.scheme);
        EXPECT_EQ(url.port, c.port);
        EXPECT_EQ(url.to_string(), c.normalised);
        EXPECT_EQ(url.transport_uri(), c.transport);
        EXPECT_EQ(url.uses_tls(), c.tls);
        EXPECT_EQ(url.uses_websockets(), c.ws);
    }
}

TEST(BrokerUrl, ExplicitPortsAndHosts) {
    const BrokerUrl a = parse_ok("mqtt://127.0.0.1:1883");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 1883);
    EXPECT_EQ(parse_ok("mqtts://broker-1.internal_net.example:8884").host,
              "broker-1.internal_net.example");
    EXPECT_EQ(parse_ok("mqtt://h:1").port, 1);
    EXPECT_EQ(parse_ok("mqtt://h:65535").port, 65535);
    EXPECT_EQ(parse_ok("mqtt://h:00080").port, 80);
    EXPECT_EQ(parse_ok("mqtt://h/").to_string(), "mqtt://h:1883");  // an empty path is fine
}

TEST(BrokerUrl, Ipv6) {
    const BrokerUrl a = parse_ok("[::1]:1883");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 1883);
    EXPECT_EQ(a.to_string(), "mqtt://[::1]:1883");
    EXPECT_EQ(a.transport_uri(), "tcp://[::1]:1883");

    const BrokerUrl b = parse_ok("mqtt://[::1]");
    EXPECT_EQ(b.host, "::1");
    EXPECT_EQ(b.port, 1883);

    const BrokerUrl c = parse_ok("wss://[fe80::1%25eth0]:8443/ws");
    EXPECT_EQ(c.host, "fe80::1%25eth0");
    EXPECT_EQ(c.to_string(), "wss://[fe80::1%25eth0]:8443/ws");

    const BrokerUrl d = parse_ok("::1");  // bare: every colon belongs to the address
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.port, 1883);
    EXPECT_EQ(d.to_string(), "mqtt://[::1]:1883");
}

TEST(BrokerUrl, WebsocketPaths) {
    EXPECT_EQ(parse_ok("ws://127.0.0.1:8083").path, "/mqtt");
    EXPECT_EQ(parse_ok("ws://127.0.0.1:8083/mqtt").path, "/mqtt");
    EXPECT_EQ(parse_ok("ws://127.0.0.1:8083/").path, "/");
    const BrokerUrl custom = parse_ok("wss://h/chat/ws");
    EXPECT_EQ(custom.path, "/chat/ws");
    EXPECT_EQ(custom.port, 443);
    EXPECT_EQ(custom.transport_uri(), "wss://h:443/chat/ws");
    EXPECT_EQ(parse_ok("mqtt://h").path, "");
}

TEST(BrokerUrl, CredentialsAreRefusedWithoutEchoingThem) {
    for (const char* text : {"mqtt://alice:hunter2@h:1883", "mqtt://alice@h",
                             "ws://u:hunter2@h/mqtt", "alice:hunter2@h", "mqtts://a:b@c@h"}) {
        const std::string problem = parse_error(text);
        EXPECT_TRUE(contains(problem, "credentials in the URL are not supported")) << problem;
        EXPECT_FALSE(contains(problem, "hunter2")) << problem;
        EXPECT_FALSE(contains(problem, "alice")) << problem;
    }
    EXPECT_TRUE(contains(parse_error("mqtt://alice:hunter2@h:1883"), "'mqtt://***@h:1883'"));
    EXPECT_TRUE(contains(parse_error("u:p@h"), "'***@h'"));
}

TEST(BrokerUrl, BadPorts) {
    EXPECT_TRUE(contains(parse_error("mqtt://h:0"), "port out of range 1-65535"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:65536"), "port out of range 1-65535"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:99999"), "port out of range 1-65535"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:123456"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:abc"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:-1"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("mqtt://h: 1883"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("mqtt://h:+1883"), "invalid port"));
    EXPECT_TRUE(contains(parse_error("[::1]:"), "invalid port"));
}

TEST(BrokerUrl, UnknownScheme) {
    for (const char* text : {"http://h", "https://h", "mqtt5://h", "://h", "file:///etc/passwd"})
        EXPECT_TRUE(contains(parse_error(text), "unknown scheme")) << text;
}

TEST(BrokerUrl, BadHosts) {
    EXPECT_TRUE(contains(parse_error(""), "no host"));
    EXPECT_TRUE(contains(parse_error("mqtt://"), "no host"));
    EXPECT_TRUE(contains(parse_error("mqtt://:1883"), "no host"));
    EXPECT_TRUE(contains(parse_error("mqtt://[]:1883"), "no host"));
    EXPECT_TRUE(contains(parse_error("mqtt://h st"), "invalid character in host"));
    EXPECT_TRUE(contains(parse_error("mqtt://h$t"), "invalid character in host"));
    EXPECT_TRUE(contains(parse_error("mqtt://caf\xc3\xa9.example"), "invalid character in host"));
    EXPECT_TRUE(contains(parse_error("mqtt://[::1"), "unclosed '['"));
    EXPECT_TRUE(contains(parse_error("mqtt://[::1]x"), "unexpected text after the IPv6 address"));
}

TEST(BrokerUrl, PathOnlyForWebsockets) {
    EXPECT_TRUE(
        contains(parse_error("mqtt://h/topic"), "a path is only meaningful for ws:// and wss://"));
    EXPECT_TRUE(contains(parse_error("mqtts://h:8883/x"), "a path is only meaningful"));
}

TEST(BrokerUrl, HostileTextIsQuotedSafely) {
    const std::string problem = parse_error("mqtt://h\x1b]0;pwned\x07:1883");
    EXPECT_TRUE(contains(problem, "\\x1B]0;pwned\\x07")) << problem;
    const std::string long_problem = parse_error("mqtt://" + std::string(500, 'h') + ":0");
    EXPECT_LT(long_problem.size(), 200U);
}

}  // namespace
}  // namespace mqchat
