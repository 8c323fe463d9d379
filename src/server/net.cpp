// BSD socket calls behind net.hpp.
#include "net.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mqchat::server::net {
namespace {

constexpr int kListenBacklog = 4096;  // the kernel caps it at net.core.somaxconn

struct AddrInfoList {
    addrinfo* head = nullptr;
    ~AddrInfoList() {
        if (head) ::freeaddrinfo(head);
    }
};

std::string text_of(const void* addr, int family) {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, addr, buf, sizeof buf);
    return buf;
}

// One host uses a whole IPv6 /64, so that is what the per-address cap counts.
std::string ipv6_prefix_key(const in6_addr& a) {
    in6_addr prefix{};
    std::memcpy(prefix.s6_addr, a.s6_addr, 8);
    return text_of(&prefix, AF_INET6) + "/64";
}

Peer peer_of(const sockaddr_storage& ss) {
    if (ss.ss_family == AF_INET) {
        const auto& in4 = reinterpret_cast<const sockaddr_in&>(ss);
        const std::string text = text_of(&in4.sin_addr, AF_INET);
        return {text, text};
    }
    if (ss.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            const std::string text = text_of(in6.sin6_addr.s6_addr + 12, AF_INET);
            return {text, text};
        }
        return {text_of(&in6.sin6_addr, AF_INET6), ipv6_prefix_key(in6.sin6_addr)};
    }
    return {"unknown", "unknown"};
}

[[noreturn]] void cannot_listen(const HostPort& where, const std::string& what,
                                const std::string& cause) {
    throw std::runtime_error("cannot listen for " + what + " on " + where.to_string() + ": " +
                             cause);
}

Fd bound_listener(const addrinfo& ai, int& error) {
    Fd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
    if (!fd) {
        error = errno;
        return fd;
    }
    const int on = 1;
    // A restarted mqchatd must get its port back while old connections linger in TIME_WAIT.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai.ai_family == AF_INET6) {
        // "::" means every IPv6 and IPv4 address; a specific IPv6 address only itself.
        const int v6only = 0;
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0 ||
        ::listen(fd.get(), kListenBacklog) != 0) {
        error = errno;
        return Fd();
    }
    return fd;
}

}  // namespace

void Fd::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Fd listen_tcp(const HostPort& where, const std::string& what) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    // "0.0.0.0" and "::" are literals getaddrinfo takes as they are; "*" and
    // "" (no node) give the wildcard addresses of both families.
    const bool everywhere = where.host.empty() || where.host == "*";
    const char* node = everywhere ? nullptr : where.host.c_str();
    const std::string port = std::to_string(where.port);
    AddrInfoList list;
    if (const int rc = ::getaddrinfo(node, port.c_str(), &hints, &list.head); rc != 0)
        cannot_listen(where, what, ::gai_strerror(rc));
    int error = 0;
    for (const addrinfo* ai = list.head; ai; ai = ai->ai_next)
        if (Fd fd = bound_listener(*ai, error)) return fd;
    cannot_listen(where, what, std::strerror(error));
}

int local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
    return 0;
}

Accepted accept_one(int listen_fd) {
    Accepted a;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd =
        ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        a.error = errno;
        return a;
    }
    a.fd = Fd(fd);
    a.peer = peer_of(ss);
    const int on = 1;
    // Small MQTT packets and HTTP answers go out at once, not after Nagle's wait.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return a;
}

int connect_unix(const std::string& path, Fd& out) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
    std::memcpy(addr.sun_path, path.data(), path.size());
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return errno;
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int error = errno;
        // A unix socket connects at once or not at all: EAGAIN means a full listen queue.
        return error == EINPROGRESS ? EAGAIN : error;
    }
    out = std::move(fd);
    return 0;
}

std::uint64_t raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace mqchat::server::net
