// What the process learns from its environment: paths, terminal, clock, identity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
// The directory of the running executable ("" when /proc says nothing):
// where modules built with it (the broker plugin, the Paho transport) sit.
std::string own_executable_dir();
// Where a module shipped with the binaries may be, in the order to try:
// beside the executable in `exe_dir` (the build tree), in a relocated
// install's exe_dir/../lib/mqchat, then at `installed_path` (this build's
// install prefix). Empty arguments are skipped; no duplicates.
std::vector<std::string> module_candidates(const std::string& exe_dir, const std::string& file_name,
                                           const std::string& installed_path);
// The kernel's cryptographic random source (getrandom); throws when it fails,
// never falls back to anything weaker. For message ids, client ids and secrets.
void random_bytes(std::uint8_t* out, std::size_t size);
std::string random_hex(std::size_t bytes);

}  // namespace mqchat::platform
