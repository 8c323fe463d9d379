// Sockets for mqchatd's own servers (HTTP and the MQTT front): listening on
// exactly the configured address, peer addresses and their cap keys, the
// unix socket to the broker, and the process's file descriptor limit.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "host_port.hpp"

namespace mqchat::server::net {

// An owned file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset();

  private:
    int fd_ = -1;
};

// A nonblocking, close-on-exec TCP listener on exactly `where` (0.0.0.0, ::
// or * listen everywhere; a host name, its first address). Throws
// std::runtime_error "cannot listen for <what> on <where>: <cause>".
Fd listen_tcp(const HostPort& where, const std::string& what);

// The port a socket is bound to.
int local_port(int fd);

struct Peer {
    std::string address;  // "192.0.2.7", "2001:db8::1" (IPv4-mapped IPv6 as IPv4)
    std::string cap_key;  // what the per-address cap counts: the IPv4 address, an IPv6 /64
};

struct Accepted {
    Fd fd;  // nonblocking, close-on-exec; empty when nothing was accepted
    Peer peer;
    int error = 0;  // errno when accept failed (EAGAIN: nothing pending)
};

Accepted accept_one(int listen_fd);

// Starts a nonblocking connect to a unix socket. Returns 0 (connected),
// EAGAIN (its listen queue is full: try again soon) or another errno
// (ECONNREFUSED, ENOENT: nobody listens there).
int connect_unix(const std::string& path, Fd& out);

// Raises the soft RLIMIT_NOFILE to the hard limit (a server with thousands
// of connections needs more than the usual 1024); returns the soft limit now.
std::uint64_t raise_fd_limit();

}  // namespace mqchat::server::net
