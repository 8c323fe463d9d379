// mqchatd's front: the public MQTT listeners of the embedded broker. It
// listens on --mqtt (MQTT over TCP) and --ws (MQTT over WebSockets) exactly
// where configured, caps connections in total and per address, gives each
// client 10 s for its CONNECT (and the WebSocket handshake), answers CONNECTs
// itself while the archive gate is closed, and forwards everything else
// both ways to the broker's private unix socket. One thread of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "server/event_loop.hpp"
#include "server/host_port.hpp"
#include "server/wire/connection_caps.hpp"

namespace mqchat::server {

struct FrontSettings {
    HostPort mqtt{"127.0.0.1", 1883};            // MQTT over TCP
    HostPort ws{"127.0.0.1", 8083};              // MQTT over WebSockets
    std::string broker_socket;                   // the broker's unix socket listener
    wire::ConnectionLimits limits;               // beyond them: closed at once
    std::int64_t handshake_deadline_ms = 10000;  // accept -> WebSocket handshake done
    std::int64_t connect_deadline_ms = 10000;    // accept (or handshake) -> whole CONNECT
};

struct FrontCounters : net::ServerCounters {
    std::atomic<std::uint64_t> refused_by_gate{0};  // CONNECTs answered 0x88 / 3
    std::atomic<std::uint64_t> forwarded{0};        // connections handed to the broker
};

// net::describe's counts plus the gate's and the forwarded ones.
std::string describe(const FrontCounters& counters);

class Front {
  public:
    explicit Front(FrontSettings settings);
    ~Front();
    Front(const Front&) = delete;
    Front& operator=(const Front&) = delete;

    // Binds every listener and starts the front's thread. Throws
    // std::runtime_error naming the listener and the cause.
    void start();
    bool running() const;
    void stop();

    // The archive gate: while closed (the initial state), a complete CONNECT
    // is answered by the front with CONNACK "server unavailable" and closed,
    // and the broker is not contacted (but for the service credentials).
    // Any thread.
    void set_gate_open(bool open);
    bool gate_open() const;

    const FrontCounters& counters() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mqchat::server
