// The mosquitto.conf that `mqchatd serve` writes for its embedded broker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mqchat::server {

// The broker listens on nothing but a unix socket in the data dir: the
// public listeners are mqchatd's front (front/front.hpp), which forwards
// every client it lets through to this socket.
struct BrokerConfig {
    std::string socket_path;       // <data>/broker.sock
    std::string plugin_path;       // libmqchat_auth.so
    std::string token_key_file;    // <data>/token.key
    std::string service_key_file;  // <data>/service.key
    std::string persistence_dir;   // <data>/mosquitto
    std::string log_file;          // <data>/mosquitto.log
    std::string run_as_user;       // mosquitto's "user": only acted on when started as root
    // The plugin's per-account publish limit: chat messages per second (0:
    // unlimited) and the burst allowed after a pause.
    std::int64_t user_rate = 100;
    std::int64_t user_burst = 2000;
};

// Empty when every path can be written into mosquitto.conf (which has no
// quoting: white space or line breaks would split or inject options) and the
// socket path fits a unix socket address.
std::string broker_config_problem(const BrokerConfig& config);

std::string mosquitto_conf(const BrokerConfig& config);

inline constexpr const char* kPluginFileName = "libmqchat_auth.so";

// Where the plugin is looked for when --plugin is not given, in order:
// beside the executable (the build tree), <exe_dir>/../lib/mqchat (an
// installed tree, wherever it was moved), then `installed_path` (the install
// prefix's copy, fixed at build time; empty: none).
std::vector<std::string> plugin_candidates(const std::string& exe_dir,
                                           const std::string& installed_path);

// The first readable plugin_candidates() entry for the running executable
// (/proc/self/exe) and this build's install prefix; empty when none is.
std::string default_plugin_path();

// The same candidates, as a list for an error message.
std::string default_plugin_places();

// The mosquitto binary: PATH, then /usr/sbin and /usr/local/sbin. Empty when none.
std::string find_mosquitto();

}  // namespace mqchat::server
