// Request parsing and response writing helpers.
#include "json_body.hpp"

#include "core/json_text.hpp"
#include "core/utf8.hpp"

namespace mqchat::server {

std::optional<nlohmann::json> parse_json_body(std::string_view body) {
    if (!utf8::is_valid(body) || !json_nesting_within(body, kMaxBodyDepth)) return std::nullopt;
    auto value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::string dump_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(std::string_view message) {
    return dump_json(nlohmann::json{{"error", std::string(message)}});
}

}  // namespace mqchat::server
