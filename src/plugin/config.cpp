// Plugin options and key files.
#include "config.hpp"

#include <charconv>
#include <stdexcept>

#include "token/key_file.hpp"

namespace mqchat::plugin {
namespace {

// A whole decimal number from `min` to `max`, nothing around it.
bool parse_whole(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && out >= min && out <= max;
}

std::string range_problem(const std::string& key, std::int64_t min, std::int64_t max,
                          const char* unit) {
    return "plugin_opt_" + key + " must be a whole number of " + unit + " from " +
           std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

std::variant<Config, std::string> load_config(const Options& options) {
    Config config;
    std::string key_file;
    try {
        for (const auto& [key, value] : options) {
            if (key == "key_file") {
                key_file = value;
                config.token_key = token::read_key_file(value);
            } else if (key == "service_key_file") {
                config.service_key = token::read_key_file(value);
            } else if (key == "issuer" || key == "audience") {
                if (value.empty()) return "plugin_opt_" + key + " must not be empty";
                (key == "issuer" ? config.issuer : config.audience) = value;
            } else if (key == "nbf_leeway") {
                if (!parse_whole(value, 0, kMaxNbfLeeway, config.nbf_leeway))
                    return range_problem(key, 0, kMaxNbfLeeway, "seconds");
            } else if (key == "user_rate") {
                if (!parse_whole(value, 0, kMaxUserRate, config.user_rate.per_second))
                    return range_problem(key, 0, kMaxUserRate, "messages per second");
            } else if (key == "user_burst") {
                if (!parse_whole(value, 1, kMaxUserRate, config.user_rate.burst))
                    return range_problem(key, 1, kMaxUserRate, "messages");
            } else {
                return "unknown option plugin_opt_" + log_safe(key, 64);
            }
        }
    } catch (const std::runtime_error& e) {
        return std::string(e.what());
    }
    if (key_file.empty()) return std::string("plugin_opt_key_file is required");
    return config;
}

}  // namespace mqchat::plugin
