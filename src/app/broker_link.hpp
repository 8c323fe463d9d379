// What --send and --tail share about the broker: building the connection from
// the plan, the event queue Paho feeds, and how a failure is put into words.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/plan.hpp"
#include "platform/event_queue.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::app {

class BrokerLink {
  public:
    explicit BrokerLink(const Plan& plan);
    ~BrokerLink();
    BrokerLink(const BrokerLink&) = delete;
    BrokerLink& operator=(const BrokerLink&) = delete;

    void connect();
    transport::MqttTransport& mqtt() { return *mqtt_; }
    int fd() const { return queue_.fd(); }
    std::vector<transport::MqttEvent> take_events();
    void close();

    // "cannot connect to mqtt://127.0.0.1:1: connection refused"
    std::string connect_failure(const transport::MqttEvent& e) const;
    const std::string& url_text() const { return url_text_; }

  private:
    const Plan& plan_;
    std::string url_text_;
    platform::EventQueue<transport::MqttEvent> queue_;
    std::unique_ptr<transport::MqttTransport> mqtt_;
};

// Waits until one of `fds` is readable, a signal, or `timeout_ms` (-1: none).
// Returns the readiness of each fd in the same order.
std::vector<bool> wait_readable(const std::vector<int>& fds, int timeout_ms);

}  // namespace mqchat::app
