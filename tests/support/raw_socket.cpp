// BSD sockets behind raw_socket.hpp.
#include "raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace testsupport {
namespace {

struct Address {
    sockaddr_storage storage{};
    socklen_t size = 0;
};

Address address_of(const std::string& host, int port) {
    Address a;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(static_cast<std::uint16_t>(port));
        a.size = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(static_cast<std::uint16_t>(port));
        a.size = sizeof(sockaddr_in6);
    } else {
        throw std::runtime_error("not an IP address: " + host);
    }
    return a;
}

// A connected socket, or -errno.
int connected_socket(const std::string& host, int port, const std::string& source) {
    const Address to = address_of(host, port);
    const int fd = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (!source.empty()) {
        const Address from = address_of(source, 0);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&from.storage), from.size) != 0) {
            const int error = errno;
            ::close(fd);
            return -error;
        }
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.storage), to.size) != 0) {
        const int error = errno;
        ::close(fd);
        return -error;
    }
    return fd;
}

}  // namespace

RawSocket::RawSocket(const std::string& host, int port, const std::string& source) {
    fd_ = connected_socket(host, port, source);
    if (fd_ < 0)
        throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) +
                                 " from " + source + ": " + std::strerror(-fd_));
}

RawSocket::~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
}

RawSocket::RawSocket(RawSocket&& other) noexcept
    : fd_(other.fd_), closed_(other.closed_), received_(std::move(other.received_)) {
    other.fd_ = -1;
}

bool RawSocket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool RawSocket::poll_closed() {
    char buf[4096];
    while (!closed_) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            received_.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            closed_ = true;
        } else {
            break;
        }
    }
    return closed_;
}

std::string RawSocket::read_until(const std::function<bool(const std::string&)>& done,
                                  std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done(received_) && !poll_closed() && std::chrono::steady_clock::now() < until) {
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, 50);
    }
    return received_;
}

bool RawSocket::wait_closed(std::chrono::milliseconds deadline) {
    read_until([](const std::string&) { return false; }, deadline);
    return closed_;
}

int connect_error(const std::string& host, int port) {
    const int fd = connected_socket(host, port, "");
    if (fd < 0) return -fd;
    ::close(fd);
    return 0;
}

std::size_t count_closed(std::vector<RawSocket>& sockets) {
    std::size_t n = 0;
    for (auto& s : sockets)
        n += s.poll_closed() ? 1 : 0;
    return n;
}

bool wait_all_closed(std::vector<RawSocket>& sockets, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (count_closed(sockets) < sockets.size()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

void raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace testsupport
