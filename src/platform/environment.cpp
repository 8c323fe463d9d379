// Environment queries, each in one place.
#include "environment.hpp"

#include <pwd.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

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

std::string own_executable_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

std::vector<std::string> module_candidates(const std::string& exe_dir, const std::string& file_name,
                                           const std::string& installed_path) {
    std::vector<std::string> out;
    const auto add = [&out](const std::filesystem::path& p) {
        const std::string text = p.lexically_normal().string();
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
    };
    if (!exe_dir.empty()) {
        const std::filesystem::path dir(exe_dir);
        add(dir / file_name);
        add(dir / ".." / "lib" / "mqchat" / file_name);
    }
    if (!installed_path.empty()) add(installed_path);
    return out;
}

std::string login_name() {
    if (const char* u = std::getenv("USER"); u && *u) return u;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
    return "anonymous";
}

void random_bytes(std::uint8_t* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::getrandom(out + done, size - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::runtime_error(std::string("the kernel's random source failed: ") +
                                     std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

std::string random_hex(std::size_t bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string raw(bytes, '\0');
    random_bytes(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
    std::string out;
    out.reserve(bytes * 2);
    for (const unsigned char b : raw) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace mqchat::platform
