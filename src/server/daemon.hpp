// `mqchatd serve`: the HTTP API, the front (the public MQTT listeners), the
// supervised embedded broker and the archiver, run from one poll() loop until
// SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "host_port.hpp"
#include "quota.hpp"
#include "token_answer.hpp"
#include "wire/connection_caps.hpp"

namespace mqchat::server {

struct ServeOptions {
    std::string data_dir;
    std::string db_path;  // SQLite file
    HostPort http{"127.0.0.1", 8080};
    HostPort mqtt{"127.0.0.1", 1883};
    HostPort ws{"127.0.0.1", 8083};
    std::optional<std::string> broker_url;  // external broker: no child
    std::int64_t token_ttl_s = kDefaultTokenTtlSeconds;
    std::string plugin_path;                                 // empty: next to the executable
    std::int64_t user_quota_bytes = kDefaultUserQuotaBytes;  // 0: unlimited
    std::optional<int> user_rate;   // the plugin's publish rate per account (messages/s)
    std::optional<int> user_burst;  // and its burst
    // Connection caps of the HTTP server and of the front, each.
    wire::ConnectionLimits limits;
};

// The embedded broker's only listener, which the front forwards clients to.
std::string broker_socket_path(const std::string& data_dir);

// Exit status: 0 after a signal-driven shutdown, 1 when startup failed.
int serve(const ServeOptions& options);

// The data dir: created (mode 0700) when missing. Throws std::runtime_error.
void ensure_data_dir(const std::string& dir);

}  // namespace mqchat::server
