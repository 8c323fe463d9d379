// mqchatd's diagnostics: one line per event on stderr, never a secret.
#pragma once

#include <string_view>

namespace mqchat::server {

// Writes "mqchatd: <text>\n" with one write(2), so lines from the HTTP threads
// and the main loop never interleave. The text is folded onto one line and
// sanitized: callers may pass untrusted fragments (emails, broker texts), but
// never passwords, sessions, tokens or keys.
void log_line(std::string_view text);

}  // namespace mqchat::server
