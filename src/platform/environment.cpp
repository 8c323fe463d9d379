// Environment queries, each in one place.
#include "environment.hpp"

#include <pwd.h>
#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

namespace mqchat::platform {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t monotonic_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool is_terminal(int fd) {
    return ::isatty(fd) == 1;
}

bool no_color_requested() {
    const char* v = std::getenv("NO_COLOR");
    return v && *v;
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

namespace {
std::string home() {
    if (const char* h = std::getenv("HOME"); h && *h) return h;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) return pw->pw_dir;
    return ".";
}
}  // namespace

std::string config_home() {
    return env_or("XDG_CONFIG_HOME", home() + "/.config");
}
std::string state_home() {
    return env_or("XDG_STATE_HOME", home() + "/.local/state");
}
std::string default_config_path() {
    return config_home() + "/mqchat/config.toml";
}

std::string login_name() {
    if (const char* u = std::getenv("USER"); u && *u) return u;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
    return "anonymous";
}

std::uint64_t random_seed() {
    std::uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed))
        seed = std::random_device{}();
    return seed ^ static_cast<std::uint64_t>(monotonic_ms());
}

std::string random_hex(std::size_t bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::mt19937_64 rng(random_seed());
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rng() & 0xFF);
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace mqchat::platform
