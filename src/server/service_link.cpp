// The service connection's state machine: connect (with retries until the
// broker is up), subscribe on every connect, archive, publish in a window.
#include "service_link.hpp"

#include <algorithm>

#include "archiver.hpp"
#include "log.hpp"
#include "platform/environment.hpp"

namespace mqchat::server {
namespace {

using transport::MqttEvent;

constexpr std::size_t kMaxWindow = 16;
constexpr std::int64_t kFirstRetryMs = 500;
constexpr std::int64_t kMaxRetryMs = 5000;
constexpr int kQuietAttempts = 3;
// The broker keeps the archiver's session (subscription and queued messages)
// this long while mqchatd is down.
constexpr std::chrono::seconds kSessionExpiry{7 * 24 * 3600};

std::string failure_text(const MqttEvent& e) {
    if (e.reason_code > 0) return transport::reason_text(e.reason_code);
    if (!e.detail.empty()) return e.detail;
    return "library error " + std::to_string(e.return_code);
}

}  // namespace

ServiceLink::ServiceLink(Store& store, const BrokerUrl& url, std::string client_id,
                         std::string service_key)
    : store_(store) {
    settings_.url = url;
    settings_.client_id = std::move(client_id);
    settings_.username = kServiceUsername;
    settings_.password = std::move(service_key);
    settings_.clean_start = false;
    settings_.session_expiry = kSessionExpiry;
    // Follow a restarted embedded broker quickly.
    settings_.max_retry_interval = std::chrono::seconds(2);
}

ServiceLink::~ServiceLink() {
    disconnect();
}

void ServiceLink::connect(std::int64_t now_mono_ms) {
    retry_at_ = -1;
    // A new transport per first-connect attempt: Paho only reconnects by
    // itself after a connection has succeeded once.
    transport_.reset();
    transport_ =
        transport::make_paho_transport([this](MqttEvent e) { events_.push(std::move(e)); });
    try {
        transport_->connect(settings_);
    } catch (const std::exception& e) {
        log_line(std::string("broker connection: ") + e.what());
        schedule_retry(now_mono_ms);
    }
}

void ServiceLink::disconnect() {
    if (transport_) transport_->disconnect(std::chrono::milliseconds(1000));
    transport_.reset();
    connected_ = false;
    subscribed_ = false;
}

void ServiceLink::on_pending_events(std::int64_t now_mono_ms) {
    std::vector<MqttEvent> batch;
    events_.drain(batch);
    for (const auto& e : batch)
        handle(e, now_mono_ms);
}

void ServiceLink::schedule_retry(std::int64_t now_mono_ms) {
    retry_at_ = now_mono_ms + retry_delay_ms_;
    retry_delay_ms_ = std::min(retry_delay_ms_ * 2, kMaxRetryMs);
}

void ServiceLink::tick(std::int64_t now_mono_ms) {
    if (retry_at_ < 0 || now_mono_ms < retry_at_) return;
    retry_at_ = -1;
    if (!ever_connected_) {
        connect(now_mono_ms);
    } else if (connected_ && !subscribed_) {
        transport_->subscribe(kArchiveFilter, 1);
    }
}

std::int64_t ServiceLink::wait_hint_ms(std::int64_t now_mono_ms) const {
    return retry_at_ < 0 ? -1 : std::max<std::int64_t>(0, retry_at_ - now_mono_ms);
}

void ServiceLink::handle(const MqttEvent& e, std::int64_t now_mono_ms) {
    switch (e.type) {
        case MqttEvent::Type::connected:
            return on_connected(e);
        case MqttEvent::Type::connect_failed:
            on_connect_failed(e, now_mono_ms);
            return;
        case MqttEvent::Type::connection_lost:
            if (connected_) log_line("lost the broker connection: " + e.detail + "; reconnecting");
            connected_ = false;
            subscribed_ = false;
            requeue_inflight();
            return;
        case MqttEvent::Type::message:
            return on_message(e);
        case MqttEvent::Type::published:
        case MqttEvent::Type::publish_failed:
            return on_publish_result(e);
        case MqttEvent::Type::subscribed:
            if (!subscribed_) {
                log_line(std::string("archiving ") + kArchiveFilter);
                ++subscriptions_;
            }
            subscribed_ = true;
            retry_delay_ms_ = kFirstRetryMs;
            return;
        case MqttEvent::Type::subscribe_failed:
            log_line(std::string("the broker refused the subscription to ") + kArchiveFilter +
                     ": " + failure_text(e) + "; retrying");
            schedule_retry(now_mono_ms);
            return;
    }
}

void ServiceLink::on_connect_failed(const MqttEvent& e, std::int64_t now_mono_ms) {
    // The embedded broker needs a moment to open its port: the first few
    // refusals are expected, so only persistent trouble is worth a line.
    const std::string why = failure_text(e);
    if (++failed_attempts_ >= kQuietAttempts && why != last_failure_) {
        log_line("cannot connect to the broker at " + settings_.url.to_string() + ": " + why +
                 "; retrying");
        last_failure_ = why;
    }
    if (!ever_connected_) schedule_retry(now_mono_ms);
}

void ServiceLink::on_connected(const MqttEvent& e) {
    if (!connected_) log_line("connected to the broker as " + settings_.client_id);
    connected_ = true;
    ever_connected_ = true;
    subscribed_ = false;
    retry_at_ = -1;
    retry_delay_ms_ = kFirstRetryMs;
    last_failure_.clear();
    failed_attempts_ = 0;
    // Every time: a broker that lost its persisted session (kill -9 before an
    // autosave) would otherwise leave us connected but deaf.
    transport_->subscribe(kArchiveFilter, 1);
    window_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(e.receive_maximum, 1)), 1,
                                      kMaxWindow);
    fill_window();
}

void ServiceLink::on_message(const MqttEvent& e) {
    try {
        const auto result = archive_payload(store_, e.topic, e.payload, platform::now_ms());
        if (!result.notice.empty())
            log_line("archiver: skipped unreadable content on " + e.topic + ": " + result.notice);
    } catch (const std::exception& ex) {
        log_line(std::string("archiver: cannot store a message: ") + ex.what());
    }
}

void ServiceLink::publish(Outgoing message) {
    if (pending_.size() >= kMaxPending) {
        log_line("broker unavailable: dropping the live copy of an archived message for " +
                 pending_.front().topic);
        pending_.pop_front();
    }
    pending_.push_back(std::move(message));
    fill_window();
}

void ServiceLink::fill_window() {
    while (connected_ && transport_ && !pending_.empty() && inflight_.size() < window_) {
        const auto ticket =
            transport_->publish(pending_.front().topic, pending_.front().payload, 1);
        if (!ticket) return;  // disconnected this instant: retried after reconnect
        inflight_.emplace(*ticket, std::move(pending_.front()));
        pending_.pop_front();
    }
}

void ServiceLink::requeue_inflight() {
    for (auto it = inflight_.rbegin(); it != inflight_.rend(); ++it)
        pending_.push_front(std::move(it->second));
    inflight_.clear();
}

void ServiceLink::on_publish_result(const MqttEvent& e) {
    const auto it = inflight_.find(e.ticket);
    if (it == inflight_.end()) return;  // from before a reconnect: already requeued
    if (e.type == MqttEvent::Type::publish_failed) {
        if (e.return_code < 0 && e.reason_code < 0x80) {
            requeue_inflight();  // lost by the library: send again after reconnect
            return;
        }
        log_line("the broker refused a message for " + it->second.topic + ": " + failure_text(e));
    }
    inflight_.erase(it);
    fill_window();
}

}  // namespace mqchat::server
