// Plugin options and key files.
#include "config.hpp"

#include <charconv>
#include <stdexcept>

#include "token/key_file.hpp"

namespace mqchat::plugin {
namespace {

bool parse_leeway(const std::string& text, std::int64_t& out) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && out >= 0 && out <= kMaxNbfLeeway;
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
                if (!parse_leeway(value, config.nbf_leeway))
                    return "plugin_opt_nbf_leeway must be a whole number of seconds from 0 to " +
                           std::to_string(kMaxNbfLeeway);
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
