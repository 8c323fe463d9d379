// JSON in and out of the HTTP routes, hardened as PITFALLS asks: bounded
// nesting before parsing, no throwing on bad UTF-8 when writing.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mqchat::server {

inline constexpr int kMaxBodyDepth = 8;

// The parsed body, or nullopt when it is not JSON, nests deeper than
// kMaxBodyDepth or is not valid UTF-8.
std::optional<nlohmann::json> parse_json_body(std::string_view body);

// dump() that replaces invalid UTF-8 instead of throwing.
std::string dump_json(const nlohmann::json& value);

// {"error":"<message>"}
std::string error_body(std::string_view message);

}  // namespace mqchat::server
