// Files only their owner may read: the session, the outbox. Directories are
// created 0700, files 0600 from the moment they exist, writes are atomic.
#pragma once

#include <optional>
#include <string>

namespace mqchat::platform {

// Writes all of `data` to `fd`, retrying after signals. False on an error (errno).
bool write_all(int fd, const std::string& data);

// mkdir -p, 0700 for every directory created. Returns a one-line problem or "".
std::string make_private_dirs(const std::string& dir);

// Writes `content` to `path` through a temporary file in the same directory
// (fsync, rename), creating the directory if needed. Returns a problem or "".
std::string write_private_file(const std::string& path, const std::string& content);

// The file's content (at most `max_bytes`), nullopt when it does not exist; a
// problem in `error` when it exists but cannot be read. Loosened permissions
// are tightened back to 0600.
std::optional<std::string> read_private_file(const std::string& path, std::size_t max_bytes,
                                             std::string& error);

}  // namespace mqchat::platform
