// mqchatd's HTTP/1.1 server in front of Api: one I/O thread (epoll) reads
// requests under deadlines and connection caps, a small worker pool runs the
// routes. A slow or idle client costs a socket and a few KiB, never a thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "api.hpp"
#include "event_loop.hpp"
#include "host_port.hpp"
#include "wire/connection_caps.hpp"

namespace mqchat::server {

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

struct HttpTimeouts {            // milliseconds
    std::int64_t idle = 15000;   // a connection with no request under way
    std::int64_t head = 10000;   // from a request's first byte to the end of its head
    std::int64_t body = 10000;   // from the end of the head to the end of the body
    std::int64_t write = 10000;  // to send one answer
};

struct HttpServerSettings {
    wire::ConnectionLimits limits;  // beyond them: 503 and closed
    HttpTimeouts timeouts;
    std::size_t workers = 8;       // threads running routes
    std::size_t max_queued = 256;  // requests waiting for a worker; beyond: 503
};

class HttpServer {
  public:
    HttpServer(Api& api, HostPort listen, HttpServerSettings settings = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts serving on a thread of its own. Throws
    // std::runtime_error when the address cannot be bound.
    void start();
    bool running() const;  // accepting connections
    void stop();

    const net::ServerCounters& counters() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mqchat::server
