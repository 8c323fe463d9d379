// Broker connection set-up and failure wording shared by the sessions.
#include "broker_link.hpp"

#include <poll.h>

#include <cerrno>

#include "platform/environment.hpp"

namespace mqchat::app {

BrokerLink::BrokerLink(const Plan& plan)
    : plan_(plan),
      url_text_(plan.broker.to_string()),
      mqtt_(transport::make_paho_transport(
          [this](transport::MqttEvent e) { queue_.push(std::move(e)); })) {}

BrokerLink::~BrokerLink() {
    close();
}

void BrokerLink::connect() {
    transport::ConnectSettings s;
    s.url = plan_.broker;
    s.client_id = "mqchat-" + platform::random_hex(8);
    s.cafile = plan_.cafile;
    s.insecure = plan_.insecure;
    mqtt_->connect(s);
}

std::vector<transport::MqttEvent> BrokerLink::take_events() {
    std::vector<transport::MqttEvent> events;
    queue_.drain(events);
    return events;
}

void BrokerLink::close() {
    if (mqtt_) mqtt_->disconnect(std::chrono::milliseconds(2000));
}

std::string BrokerLink::connect_failure(const transport::MqttEvent& e) const {
    if (e.reason_code >= 0x80)
        return "broker " + url_text_ +
               " refused the connection: " + transport::reason_text(e.reason_code);
    return "cannot connect to " + url_text_ + ": " +
           transport::diagnose_connect_failure(plan_.broker, std::chrono::milliseconds(3000));
}

std::vector<bool> wait_readable(const std::vector<int>& fds, int timeout_ms) {
    std::vector<pollfd> pfds;
    pfds.reserve(fds.size());
    for (int fd : fds)
        pfds.push_back({fd, POLLIN, 0});
    int n = ::poll(pfds.data(), pfds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) n = 0;
    std::vector<bool> ready(fds.size(), false);
    for (std::size_t i = 0; i < pfds.size(); ++i)
        ready[i] = n > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR));
    return ready;
}

}  // namespace mqchat::app
