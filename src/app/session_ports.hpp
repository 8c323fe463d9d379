// What a session (chat, --send, --tail) talks to besides the server: the MQTT
// transport and the clocks. Production uses the real transport and clock; tests
// hand in fakes and drive the same loops headless.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "app/connection_supervisor.hpp"
#include "tui/display.hpp"

namespace mqchat::app {

// The chat's terminal: ncurses on stdin/stdout (throws when unusable).
std::unique_ptr<tui::Display> make_terminal_display(bool color);

struct SessionPorts {
    TransportFactory transport = transport::make_transport;
    SupervisorClock clock = SupervisorClock::system();
    std::function<std::unique_ptr<tui::Display>(bool color)> display = make_terminal_display;
    bool require_terminal = true;  // the chat refuses to start without one
};

// Waits until one of `fds` is readable, or `timeout_ms` (-1: no timeout).
// Returns the readiness of each fd in the same order.
std::vector<bool> wait_readable(const std::vector<int>& fds, int timeout_ms);

// poll()'s timeout for the earliest of `deadlines` (monotonic ms), at most `cap`.
int timeout_until(std::initializer_list<std::optional<std::int64_t>> deadlines, std::int64_t now_ms,
                  int cap);

}  // namespace mqchat::app
