// Names the cause of a failed broker connection by probing the address the
// way the library would: name lookup, then a TCP connect with a deadline.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "mqtt_transport.hpp"

namespace mqchat::transport {
namespace {

// 0 on success, else an errno value (ETIMEDOUT when the deadline passed).
int probe_tcp(const addrinfo* ai, int timeout_ms) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return errno;
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            const int ready = ::poll(&p, 1, timeout_ms);
            if (ready == 0) {
                err = ETIMEDOUT;
            } else {
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            }
        }
    }
    ::close(fd);
    return err;
}

}  // namespace

std::string diagnose_connect_failure(const BrokerUrl& url, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.port);
    const int gai = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
    if (gai != 0) return std::string("cannot resolve host: ") + ::gai_strerror(gai);
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
    int err = 0;
    for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
        err = probe_tcp(ai, static_cast<int>(timeout.count()));
        if (err == 0) break;
    }
    if (err == ETIMEDOUT) return "connection timed out";
    if (err != 0) return std::strerror(err);
    // TCP works, so the MQTT layer failed: a TLS or WebSocket problem, or a
    // server that is not an MQTT broker.
    if (url.uses_tls())
        return "TLS handshake failed (check --cafile, or the server's certificate and name)";
    if (url.uses_websockets())
        return "WebSocket or MQTT handshake failed (is this an MQTT WebSocket endpoint?)";
    return "the server accepted TCP but did not answer as an MQTT broker";
}

}  // namespace mqchat::transport
