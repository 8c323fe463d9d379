// Key files: created with getrandom, checked for permissions on every read.
#include "secrets.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "token/jwt.hpp"
#include "token/key_file.hpp"

namespace mqchat::server {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(path + ": " + why);
}

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    std::size_t done = 0;
    while (done < count) {
        const ssize_t n = ::getrandom(bytes.data() + done, count - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("getrandom failed");
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

void write_all(int fd, const std::string& path, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(path, std::string("write failed: ") + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

// False when the file already existed (someone else created it first).
bool create_key_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return false;
        fail(path, std::string("cannot create: ") + std::strerror(errno));
    }
    try {
        write_all(fd, path, token::base64url_encode(random_bytes(kKeyRandomBytes)) + "\n");
        if (::fsync(fd) != 0) fail(path, std::string("fsync failed: ") + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(path.c_str());  // never leave a half-written key behind
        throw;
    }
    ::close(fd);
    return true;
}

}  // namespace

std::string load_or_create_key(const std::string& path) {
    create_key_file(path);
    return token::read_key_file(path);
}

}  // namespace mqchat::server
