// The HTTP listener (cpp-httplib 0.11.4) in front of Api: routing, body size
// limits and JSON error bodies; the library stays behind this file.
#pragma once

#include <memory>

#include "api.hpp"
#include "host_port.hpp"

namespace mqchat::server {

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

class HttpServer {
  public:
    HttpServer(Api& api, HostPort listen);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts serving on a thread of its own. Throws
    // std::runtime_error when the address cannot be bound.
    void start();
    bool running() const;  // accepting connections
    void stop();

  private:
    void wait_until_running() const;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mqchat::server
