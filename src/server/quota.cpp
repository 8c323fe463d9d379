// Size parsing and formatting.
#include "quota.hpp"

#include <charconv>
#include <cstdio>

namespace mqchat::server {
namespace {

constexpr std::int64_t kMaxSize = 1LL << 50;

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The multiplier of a suffix ("", "k", "kb", "kib", ...), or 0 when unknown.
std::int64_t multiplier(std::string_view suffix) {
    std::string s;
    for (const char c : suffix)
        s += lower(c);
    if (s.empty() || s == "b") return 1;
    const char unit = s[0];
    const std::string_view rest = std::string_view(s).substr(1);
    if (!(rest.empty() || rest == "b" || rest == "ib")) return 0;
    switch (unit) {
        case 'k':
            return 1LL << 10;
        case 'm':
            return 1LL << 20;
        case 'g':
            return 1LL << 30;
        default:
            return 0;
    }
}

}  // namespace

std::optional<std::int64_t> parse_size(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data() || value < 0) return std::nullopt;
    const std::int64_t unit = multiplier(text.substr(static_cast<std::size_t>(end - text.data())));
    if (unit == 0 || value > kMaxSize / unit) return std::nullopt;
    return value * unit;
}

std::string format_size(std::int64_t bytes) {
    static constexpr const char* kUnits[] = {"GiB", "MiB", "KiB"};
    static constexpr std::int64_t kScales[] = {1LL << 30, 1LL << 20, 1LL << 10};
    for (int i = 0; i < 3; ++i) {
        if (bytes < kScales[i]) continue;
        if (bytes % kScales[i] == 0) return std::to_string(bytes / kScales[i]) + " " + kUnits[i];
        char text[32];
        std::snprintf(text, sizeof text, "%.1f %s",
                      static_cast<double>(bytes) / static_cast<double>(kScales[i]), kUnits[i]);
        return text;
    }
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::string quota_reason(std::int64_t quota_bytes) {
    return "storage quota of " + format_size(quota_bytes) + " used";
}

}  // namespace mqchat::server
