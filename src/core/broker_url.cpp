// Broker URL parsing and normalisation.
#include "broker_url.hpp"

#include "room_name.hpp"

namespace mqchat {
namespace {

BrokerUrlResult bad(std::string_view text, const std::string& why) {
    return {std::nullopt, "invalid broker URL " + quote_for_error(text, 80) + ": " + why};
}

const char* scheme_name(BrokerUrl::Scheme s) {
    switch (s) {
        case BrokerUrl::Scheme::mqtt:
            return "mqtt";
        case BrokerUrl::Scheme::mqtts:
            return "mqtts";
        case BrokerUrl::Scheme::ws:
            return "ws";
        case BrokerUrl::Scheme::wss:
            return "wss";
    }
    return "mqtt";
}

int default_port(BrokerUrl::Scheme s) {
    switch (s) {
        case BrokerUrl::Scheme::mqtt:
            return 1883;
        case BrokerUrl::Scheme::mqtts:
            return 8883;
        case BrokerUrl::Scheme::ws:
            return 80;
        case BrokerUrl::Scheme::wss:
            return 443;
    }
    return 1883;
}

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '%';
}

std::string host_for_uri(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string BrokerUrl::to_string() const {
    return std::string(scheme_name(scheme)) + "://" + host_for_uri(host) + ":" +
           std::to_string(port) + (uses_websockets() ? path : "");
}

std::string BrokerUrl::transport_uri() const {
    const char* prefix = "tcp://";
    if (scheme == Scheme::mqtts) prefix = "ssl://";
    if (scheme == Scheme::ws) prefix = "ws://";
    if (scheme == Scheme::wss) prefix = "wss://";
    return prefix + host_for_uri(host) + ":" + std::to_string(port) +
           (uses_websockets() ? path : "");
}

BrokerUrlResult parse_broker_url(std::string_view text) {
    BrokerUrl url;
    std::string_view rest = text;
    const auto sep = rest.find("://");
    if (sep != std::string_view::npos) {
        const std::string_view scheme = rest.substr(0, sep);
        if (scheme == "mqtt" || scheme == "tcp")
            url.scheme = BrokerUrl::Scheme::mqtt;
        else if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls")
            url.scheme = BrokerUrl::Scheme::mqtts;
        else if (scheme == "ws")
            url.scheme = BrokerUrl::Scheme::ws;
        else if (scheme == "wss")
            url.scheme = BrokerUrl::Scheme::wss;
        else
            return bad(text, "unknown scheme (use mqtt://, mqtts://, ws:// or wss://)");
        rest.remove_prefix(sep + 3);
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        // The error must not repeat the password either: show "***" instead.
        const std::string shown = std::string(text.substr(0, text.size() - rest.size())) + "***" +
                                  std::string(rest.substr(at));
        return bad(
            shown,
            "credentials in the URL are not supported (they would be visible to other users)");
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad(text, "unclosed '[' in IPv6 address");
        url.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad(text, "unexpected text after the IPv6 address");
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        if (colon != std::string_view::npos && authority.find(':') == colon) {
            url.host = std::string(authority.substr(0, colon));
            port_text = authority.substr(colon + 1);
        } else {
            url.host = std::string(authority);
        }
    }
    if (url.host.empty()) return bad(text, "no host");
    for (char c : url.host)
        if (!host_char(c)) return bad(text, "invalid character in host");
    if (!port_text.empty() || (authority.size() && authority.back() == ':')) {
        int port = 0;
        if (port_text.empty() || port_text.size() > 5) return bad(text, "invalid port");
        for (char c : port_text) {
            if (c < '0' || c > '9') return bad(text, "invalid port");
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) return bad(text, "port out of range 1-65535");
        url.port = port;
    } else {
        url.port = default_port(url.scheme);
    }
    if (url.uses_websockets()) {
        if (url.path.empty()) url.path = "/mqtt";
    } else if (!url.path.empty() && url.path != "/") {
        return bad(text, "a path is only meaningful for ws:// and wss://");
    }
    return {url, {}};
}

}  // namespace mqchat
