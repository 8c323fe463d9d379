// What the process learns from its environment: paths, terminal, clock, identity.
#pragma once

#include <cstdint>
#include <string>

namespace mqchat::platform {

std::int64_t now_ms();        // wall clock, ms since the epoch
std::int64_t monotonic_ms();  // for deadlines
bool is_terminal(int fd);
bool no_color_requested();  // NO_COLOR set and non-empty
std::string env_or(const char* name, const std::string& fallback);
std::string config_home();          // $XDG_CONFIG_HOME or ~/.config
std::string state_home();           // $XDG_STATE_HOME or ~/.local/state
std::string default_config_path();  // <config_home>/mqchat/config.toml
std::string login_name();           // $USER, else the passwd entry, else "anonymous"
std::uint64_t random_seed();        // from the kernel's random source
std::string random_hex(std::size_t bytes);

}  // namespace mqchat::platform
