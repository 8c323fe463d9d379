// Reading the key files mqchatd and the broker plugin share (token.key,
// service.key): one set of checks so both sides refuse the same bad files.
#pragma once

#include <string>

namespace mqchat::token {

// A key file as mqchatd writes it: the content with trailing white space
// trimmed, at least kMinSecretBytes long, a regular file of at most 4 KiB
// that neither group nor others may access (mode 0600). Returns the key or
// throws std::runtime_error naming the path and the problem (never the key).
std::string read_key_file(const std::string& path);

}  // namespace mqchat::token
