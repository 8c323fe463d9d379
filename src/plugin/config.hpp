// The plugin's settings from mosquitto.conf (plugin_opt_*) and the key files
// they name, read once when Mosquitto loads the plugin.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "policy.hpp"

namespace mqchat::plugin {

// plugin_opt_<key> <value> pairs, without the "plugin_opt_" prefix.
using Options = std::vector<std::pair<std::string, std::string>>;

// key_file (required), service_key_file, issuer, audience, nbf_leeway (0-60),
// user_rate (chat publishes per second and account, 0-1000000, 0: unlimited;
// default 50) and user_burst (1-1000000, default 200).
// Unknown keys are refused: a misspelt option must not silently weaken the
// broker. Returns the Config, or a one-line reason that never holds a key.
std::variant<Config, std::string> load_config(const Options& options);

}  // namespace mqchat::plugin
