// What --send and --tail share about the broker: the connection (replaced when
// a new token arrives), the event queue Paho feeds, and how a failure is put
// into words.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/access.hpp"
#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "platform/event_queue.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::app {

class BrokerLink {
  public:
    BrokerLink(const Plan& plan, Access& access, const Reporter& reporter);
    ~BrokerLink();
    BrokerLink(const BrokerLink&) = delete;
    BrokerLink& operator=(const BrokerLink&) = delete;

    // Gets credentials (a token, with a login) and starts connecting.
    std::optional<ApiError> open();
    // Before the token's refreshAt: a new token, and a new connection with it
    // (the old one is reported as a planned connection_lost event).
    std::optional<ApiError> refresh_if_due();
    // The broker refused our credentials on a reconnect: a new token, once.
    std::optional<ApiError> renew_after_refusal();
    // Replaces the connection with one using `access` (fetched elsewhere, e.g.
    // on the TUI's HTTP thread); the old one ends with a planned
    // connection_lost event. Connects for the first time when there is none.
    void adopt(const BrokerAccess& access);
    // For poll(): ms until the next refresh, capped at `cap`; `cap` when none.
    int ms_until_refresh(int cap) const;

    transport::MqttTransport& mqtt() { return *mqtt_; }
    int fd() const { return queue_.fd(); }
    std::vector<transport::MqttEvent> take_events();
    void close();

    // "cannot connect to mqtt://127.0.0.1:1: connection refused"
    std::string connect_failure(const transport::MqttEvent& e) const;
    const std::string& url_text() const { return url_text_; }

  private:
    void start(const BrokerAccess& access);
    std::optional<ApiError> reconnect();

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    std::int64_t refresh_at_ms_ = 0;
    BrokerUrl url_;
    std::string url_text_;
    platform::EventQueue<transport::MqttEvent> queue_;
    std::unique_ptr<transport::MqttTransport> mqtt_;
};

// Waits until one of `fds` is readable, or `timeout_ms` (-1: no timeout).
// Returns the readiness of each fd in the same order.
std::vector<bool> wait_readable(const std::vector<int>& fds, int timeout_ms);

}  // namespace mqchat::app
