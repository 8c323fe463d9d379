// Key files: permission, size and length checks on every read.
#include "key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "jwt.hpp"

namespace mqchat::token {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(path + ": " + why);
}

// Closes the descriptor on every path out of read_key_file.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string read_all(int fd, const std::string& path) {
    std::string text;
    char buf[512];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, std::string("read failed: ") + std::strerror(errno));
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxKeyFileBytes) fail(path, "too large for a key file");
    }
}

bool is_trailing_space(char c) {
    return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

}  // namespace

std::string read_key_file(const std::string& path) {
    const Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) fail(path, "not a regular file");
    if ((st.st_mode & 077) != 0)
        fail(path, "is accessible by group or others; run chmod 600 on it");
    std::string key = read_all(file.fd, path);
    while (!key.empty() && is_trailing_space(key.back()))
        key.pop_back();
    if (key.size() < kMinSecretBytes)
        fail(path, "holds fewer than " + std::to_string(kMinSecretBytes) + " bytes");
    return key;
}

}  // namespace mqchat::token
