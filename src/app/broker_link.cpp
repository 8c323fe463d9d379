// Broker connection set-up and failure wording shared by the sessions.
#include "broker_link.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "core/exit_code.hpp"

#include "platform/environment.hpp"

namespace mqchat::app {
namespace {
constexpr std::int64_t kRefreshRetryMs = 30000;
}  // namespace

BrokerLink::BrokerLink(const Plan& plan, Access& access, const Reporter& reporter)
    : plan_(plan), access_(access), reporter_(reporter) {}

BrokerLink::~BrokerLink() {
    close();
}

void BrokerLink::start(const BrokerAccess& access) {
    refresh_at_ms_ = access.refresh_at_ms;
    url_ = access.url;
    url_text_ = url_.to_string();
    mqtt_ = transport::make_paho_transport(
        [this](transport::MqttEvent e) { queue_.push(std::move(e)); });
    transport::ConnectSettings s;
    s.url = access.url;
    s.client_id = access.client_id;
    s.username = access.username;
    s.password = access.password;
    s.cafile = plan_.cafile;
    s.insecure = plan_.insecure;
    mqtt_->connect(s);
}

std::optional<ApiError> BrokerLink::open() {
    auto access = access_.broker_for({plan_.room});
    if (auto* err = std::get_if<ApiError>(&access)) return *err;
    start(std::get<BrokerAccess>(access));
    return std::nullopt;
}

std::optional<ApiError> BrokerLink::reconnect() {
    auto access = access_.broker_for({plan_.room});
    if (auto* err = std::get_if<ApiError>(&access)) return *err;
    adopt(std::get<BrokerAccess>(access));
    return std::nullopt;
}

void BrokerLink::adopt(const BrokerAccess& access) {
    if (!mqtt_) {
        start(access);
        return;
    }
    close();
    transport::MqttEvent lost;
    lost.type = transport::MqttEvent::Type::connection_lost;
    lost.planned = true;
    lost.detail = "reconnecting with a new token";
    queue_.push(std::move(lost));
    start(access);
}

// A server that is briefly away must not end a long tail: the current token
// is still good until it expires, so try again a little later.
std::optional<ApiError> BrokerLink::refresh_if_due() {
    if (refresh_at_ms_ == 0 || platform::now_ms() < refresh_at_ms_) return std::nullopt;
    auto err = reconnect();
    if (!err || err->unauthorized) return err;
    reporter_.warn("token", "refresh failed (" + err->cause + "); trying again in 30 s");
    refresh_at_ms_ = platform::now_ms() + kRefreshRetryMs;
    return std::nullopt;
}

std::optional<ApiError> BrokerLink::renew_after_refusal() {
    if (!access_.has_server())
        return ApiError{to_int(ExitCode::broker_failed), "broker", "credentials refused"};
    return reconnect();
}

int BrokerLink::ms_until_refresh(int cap) const {
    if (refresh_at_ms_ == 0) return cap;
    const auto left = refresh_at_ms_ - platform::now_ms();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, cap));
}

std::vector<transport::MqttEvent> BrokerLink::take_events() {
    std::vector<transport::MqttEvent> events;
    queue_.drain(events);
    return events;
}

void BrokerLink::close() {
    if (mqtt_) mqtt_->disconnect(std::chrono::milliseconds(2000));
    mqtt_.reset();
}

std::string BrokerLink::connect_failure(const transport::MqttEvent& e) const {
    if (e.reason_code >= 0x80)
        return "broker " + url_text_ +
               " refused the connection: " + transport::reason_text(e.reason_code);
    return "cannot connect to " + url_text_ + ": " +
           transport::diagnose_connect_failure(url_, std::chrono::milliseconds(3000));
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
