// mosquitto.conf text and where the broker's pieces are found.
#include "broker_config.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "platform/environment.hpp"

namespace mqchat::server {
namespace {

bool safe_in_conf(const std::string& value) {
    if (value.empty()) return false;
    for (const unsigned char c : value)
        if (c <= 0x20 || c == 0x7F || c == '#') return false;
    return true;
}

bool executable(const std::filesystem::path& p) {
    return ::access(p.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(p);
}

// MQCHAT_PLUGIN_INSTALL_PATH comes from CMake: the install prefix's copy.
#ifndef MQCHAT_PLUGIN_INSTALL_PATH
#define MQCHAT_PLUGIN_INSTALL_PATH ""
#endif

std::vector<std::string> own_plugin_candidates() {
    return plugin_candidates(platform::own_executable_dir(), MQCHAT_PLUGIN_INSTALL_PATH);
}

}  // namespace

std::string broker_config_problem(const BrokerConfig& c) {
    for (const std::string* path : {&c.socket_path, &c.plugin_path, &c.token_key_file,
                                    &c.service_key_file, &c.persistence_dir, &c.log_file})
        if (!safe_in_conf(*path))
            return "the path " + *path +
                   " cannot go into mosquitto.conf (no white space, control characters or '#')";
    if (c.socket_path.size() >= sizeof(sockaddr_un::sun_path))
        return "the broker's socket " + c.socket_path +
               " is longer than a unix socket path may be (" +
               std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes): use a shorter --data";
    if (!c.run_as_user.empty() && !safe_in_conf(c.run_as_user)) return "unusable user name";
    return {};
}

std::string mosquitto_conf(const BrokerConfig& c) {
    std::ostringstream conf;
    conf << "# Written by mqchatd serve at every start: edits here are overwritten.\n"
         // Global settings (TICK, which kicks expired tokens, needs this false).
         << "per_listener_settings false\n"
         << "allow_anonymous false\n"
         << "max_packet_size 131072\n"
         // The archiver must never lose a message while it is busy or reconnecting.
         << "max_queued_messages 100000\n"
         << "max_inflight_messages 100\n"
         << "persistence true\n"
         << "persistence_location " << c.persistence_dir << "/\n"
         << "log_dest file " << c.log_file << "\n"
         << "log_timestamp_format %Y-%m-%dT%H:%M:%S\n";
    if (!c.run_as_user.empty()) conf << "user " << c.run_as_user << "\n";
    conf << "plugin " << c.plugin_path << "\n"
         << "plugin_opt_key_file " << c.token_key_file << "\n"
         << "plugin_opt_service_key_file " << c.service_key_file << "\n"
         << "plugin_opt_issuer mqchatd\n"
         << "plugin_opt_audience mqtt\n"
         << "plugin_opt_nbf_leeway 30\n"
         << "plugin_opt_user_rate " << c.user_rate << "\n"
         << "plugin_opt_user_burst " << c.user_burst
         << "\n"
         // Port 0 and a path: a unix socket (mode 0770 by mosquitto, in a 0700 dir).
         << "listener 0 " << c.socket_path << "\n"
         << "protocol mqtt\n";
    return conf.str();
}

std::vector<std::string> plugin_candidates(const std::string& exe_dir,
                                           const std::string& installed_path) {
    return platform::module_candidates(exe_dir, kPluginFileName, installed_path);
}

std::string default_plugin_path() {
    for (const auto& candidate : own_plugin_candidates())
        if (::access(candidate.c_str(), R_OK) == 0) return candidate;
    return {};
}

std::string default_plugin_places() {
    std::string out;
    for (const auto& candidate : own_plugin_candidates())
        out += (out.empty() ? "" : ", ") + candidate;
    return out;
}

std::string find_mosquitto() {
    std::string path = platform::env_or("PATH", "/usr/bin:/bin");
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (!dir.empty() && executable(std::filesystem::path(dir) / "mosquitto"))
            return (std::filesystem::path(dir) / "mosquitto").string();
    for (const char* fallback : {"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"})
        if (executable(fallback)) return fallback;
    return {};
}

}  // namespace mqchat::server
