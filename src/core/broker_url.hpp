// Broker URLs as users write them (mqtt://, mqtts://, ws://, wss://) and as
// the MQTT library wants them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqchat {

struct BrokerUrl {
    enum class Scheme { mqtt, mqtts, ws, wss };
    Scheme scheme = Scheme::mqtt;
    std::string host;  // without brackets for IPv6
    int port = 0;
    std::string path;  // websockets only; "/mqtt" by default

    bool uses_tls() const { return scheme == Scheme::mqtts || scheme == Scheme::wss; }
    bool uses_websockets() const { return scheme == Scheme::ws || scheme == Scheme::wss; }
    std::string to_string() const;      // normalised user-facing form
    std::string transport_uri() const;  // tcp://, ssl://, ws://, wss:// for Paho
};

struct BrokerUrlResult {
    std::optional<BrokerUrl> url;
    std::string problem;  // one-line reason when url is empty
};

// Accepts "host", "host:port" (mqtt assumed) and full URLs; default ports
// 1883, 8883, 80, 443. Refuses credentials in the URL: they would show in
// the process list.
BrokerUrlResult parse_broker_url(std::string_view text);

}  // namespace mqchat
