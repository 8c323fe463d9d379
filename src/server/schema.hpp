// The database schema as an ordered list of migrations; schema_version records
// how many have been applied.
#pragma once

#include <span>
#include <string_view>

namespace mqchat::server {

// Migration i (0-based) takes the schema from version i to version i+1. Never
// edit a published entry: append a new one.
std::span<const std::string_view> migrations();

}  // namespace mqchat::server
