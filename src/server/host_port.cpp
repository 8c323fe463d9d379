// Parsing and printing of HOST:PORT.
#include "host_port.hpp"

#include <charconv>

#include "core/room_name.hpp"

namespace mqchat::server {
namespace {

HostPortResult failure(std::string_view text, const std::string& why) {
    return {std::nullopt, "invalid address " + quote_for_error(text) + ": " + why};
}

std::optional<int> parse_port(std::string_view text) {
    int port = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, port);
    if (text.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535)
        return std::nullopt;
    return port;
}

// Host names and IP literals only: the host ends up in mosquitto.conf and in
// URLs handed to clients, so nothing that could break a line or a URL.
bool plausible_host(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string HostPort::url_host() const {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string HostPort::to_string() const {
    return url_host() + ":" + std::to_string(port);
}

bool HostPort::is_wildcard() const {
    return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

HostPortResult parse_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return failure(text, "expected [IPv6]:PORT");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return failure(text, "expected HOST:PORT");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return failure(text, "write IPv6 addresses as [ADDRESS]:PORT");
    }
    if (!plausible_host(host)) return failure(text, "bad host");
    const auto p = parse_port(port);
    if (!p) return failure(text, "the port must be 1-65535");
    return {HostPort{std::string(host), *p}, {}};
}

}  // namespace mqchat::server
