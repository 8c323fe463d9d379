// The secrets in mqchatd's data dir: token.key (HS256 key) and service.key
// (mqchatd's own broker password), shared with the broker plugin.
#pragma once

#include <string>

namespace mqchat::server {

inline constexpr std::size_t kKeyRandomBytes = 48;

// Creates `path` (48 random bytes as base64url + "\n", mode 0600, O_EXCL so a
// racing second mqchatd cannot overwrite it) unless it exists, then reads it.
// Returns the key as token::read_key_file reads it (and throws as it does).
std::string load_or_create_key(const std::string& path);

}  // namespace mqchat::server
