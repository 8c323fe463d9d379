// HOST:PORT listener addresses as given on mqchatd's command line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqchat::server {

struct HostPort {
    std::string host;  // without brackets for IPv6
    int port = 0;

    // "host:port", with brackets around an IPv6 host, as URLs and mosquitto want it.
    std::string to_string() const;
    // The host as it goes into a URL: "[::1]" for IPv6.
    std::string url_host() const;
    // 0.0.0.0, :: or empty: listens everywhere, so clients cannot dial it as is.
    bool is_wildcard() const;
};

struct HostPortResult {
    std::optional<HostPort> value;
    std::string problem;  // one line when value is empty
};

// Accepts "host:port" and "[v6]:port"; the port must be 1-65535.
HostPortResult parse_host_port(std::string_view text);

}  // namespace mqchat::server
