// Storage quota sizes: parsing "100M" on the command line, and the one
// wording users see when their quota is used up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqchat::server {

inline constexpr std::int64_t kDefaultUserQuotaBytes = 100LL * 1024 * 1024;

// Bytes, optionally with a K, M or G suffix (powers of 1024; "KiB", "MB" and
// lowercase forms too). nullopt for anything else, negative or above 1 PiB.
std::optional<std::int64_t> parse_size(std::string_view text);

// "100 MiB", "1.5 GiB", "512 bytes".
std::string format_size(std::int64_t bytes);

// "storage quota of 100 MiB used"
std::string quota_reason(std::int64_t quota_bytes);

}  // namespace mqchat::server
