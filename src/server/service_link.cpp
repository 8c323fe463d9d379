// The service connection's state machine: connect (retrying until the broker
// is up), control state, subscribe, archive with acknowledgements after the
// commit, publish in a window.
#include "service_link.hpp"

#include <algorithm>

#include "core/control_message.hpp"
#include "log.hpp"
#include "platform/environment.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::server {
namespace {

constexpr std::size_t kMaxWindow = 64;
constexpr std::int64_t kRetryMs = 1000;
// The embedded broker needs a moment to open its socket: the first refusals
// are expected, so only persistent trouble is worth a line.
constexpr int kQuietAttempts = 3;
constexpr std::uint16_t kKeepaliveSeconds = 10;
// The broker keeps the archiver's session (subscription and queued messages)
// this long while mqchatd is down.
constexpr std::uint32_t kSessionExpirySeconds = 7 * 24 * 3600;

mqtt::MqttClientSettings client_settings(const ServiceLinkSettings& s) {
    mqtt::MqttClientSettings c;
    c.target = s.target;
    c.connect.client_id = s.client_id;
    c.connect.username = kServiceUsername;
    c.connect.password = s.service_key;
    c.connect.keepalive_s = kKeepaliveSeconds;
    c.connect.clean_start = false;
    c.connect.session_expiry_s = kSessionExpirySeconds;
    c.connect.receive_maximum =
        static_cast<std::uint16_t>(std::clamp<std::size_t>(s.archiver.receive_maximum, 1, 65535));
    return c;
}

}  // namespace

ServiceLink::ServiceLink(Store& archive_store, ArchiveStatus& status, ServiceLinkSettings settings,
                         ControlState control_state)
    : client_id_(settings.client_id),
      client_(client_settings(settings)),
      archiver_(archive_store, status, settings.archiver),
      control_state_(std::move(control_state)) {}

void ServiceLink::start(std::int64_t now_mono_ms) {
    std::vector<mqtt::ClientEvent> events;
    client_.start(now_mono_ms, events);
    run(events, now_mono_ms);
}

void ServiceLink::stop() {
    client_.stop();
    subscribed_ = false;
}

void ServiceLink::on_poll(short revents, std::int64_t now_mono_ms) {
    std::vector<mqtt::ClientEvent> events;
    client_.on_poll(revents, now_mono_ms, events);
    run(events, now_mono_ms);
}

void ServiceLink::tick(std::int64_t now_mono_ms) {
    std::vector<mqtt::ClientEvent> events;
    client_.tick(now_mono_ms, events);
    if (client_.connected() && retry_at_ >= 0 && now_mono_ms >= retry_at_) {
        retry_at_ = -1;
        if (!state_loaded_) load_control_state(now_mono_ms);
    }
    run(events, now_mono_ms);
}

// Every PUBLISH read in this pass is in the archiver before the batch is
// stored: one transaction for all of them.
void ServiceLink::run(std::vector<mqtt::ClientEvent>& events, std::int64_t now_mono_ms) {
    for (auto& e : events)
        handle(e, now_mono_ms);
    flush_archive(now_mono_ms);
    fill_window();
}

std::int64_t ServiceLink::wait_hint_ms(std::int64_t now_mono_ms) const {
    std::int64_t hint = client_.wait_hint_ms(now_mono_ms);
    const auto earlier = [&hint](std::int64_t h) {
        if (h >= 0 && (hint < 0 || h < hint)) hint = h;
    };
    earlier(archiver_.wait_hint_ms(now_mono_ms));
    if (retry_at_ >= 0) earlier(std::max<std::int64_t>(0, retry_at_ - now_mono_ms));
    return hint;
}

void ServiceLink::handle(mqtt::ClientEvent& e, std::int64_t now_mono_ms) {
    switch (e.type) {
        case mqtt::ClientEvent::Type::connected:
            return on_connected(e, now_mono_ms);
        case mqtt::ClientEvent::Type::failed:
        case mqtt::ClientEvent::Type::lost:
            return on_down(e);
        case mqtt::ClientEvent::Type::message: {
            const bool qos1 = e.message.qos > 0;
            archiver_.add(Delivery{connection_, qos1 ? e.message.packet_id : std::uint16_t{0},
                                   std::move(e.message.topic), std::move(e.message.payload),
                                   platform::now_ms()});
            return;
        }
        case mqtt::ClientEvent::Type::acked:
            return on_acked(e);
        case mqtt::ClientEvent::Type::subscribed:
            return on_subscribed(e, now_mono_ms);
    }
}

void ServiceLink::on_connected(const mqtt::ClientEvent& e, std::int64_t now_mono_ms) {
    ++connection_;
    log_line("connected to the broker as " + client_id_ +
             (e.session_present ? " (session resumed)" : " (new session)"));
    failed_attempts_ = 0;
    last_failure_.clear();
    subscribed_ = false;
    subscribe_id_ = 0;
    control_.clear();
    load_control_state(now_mono_ms);
}

// The archive state and the rest of the control state, queued ahead of the
// SUBSCRIBE: the plugin knows every revocation before any user can publish
// a message the archiver would take.
void ServiceLink::load_control_state(std::int64_t now_mono_ms) {
    auto state = control_state_();
    if (!state) {
        state_loaded_ = false;
        retry_at_ = now_mono_ms + kRetryMs;
        return;
    }
    const auto& closed = archiver_.closed_reason();
    control_.push_back(control::archive_message(!closed, closed.value_or("")));
    for (auto& m : *state)
        control_.push_back(std::move(m));
    state_loaded_ = true;
}

void ServiceLink::on_down(const mqtt::ClientEvent& e) {
    if (e.type == mqtt::ClientEvent::Type::lost) {
        log_line("lost the broker connection: " + e.detail + "; reconnecting");
    } else if (++failed_attempts_ >= kQuietAttempts && e.detail != last_failure_) {
        log_line(e.detail + "; retrying");
        last_failure_ = e.detail;
    }
    subscribed_ = false;
    subscribe_id_ = 0;
    state_loaded_ = false;
    retry_at_ = -1;
    control_.clear();  // sent again, whole, on the next connect
    // POSTed messages go out again, in their order, ahead of newer ones.
    std::vector<InFlight> again;
    for (auto& [id, item] : inflight_)
        if (!item.control) again.push_back(std::move(item));
    inflight_.clear();
    std::sort(again.begin(), again.end(),
              [](const InFlight& a, const InFlight& b) { return a.order < b.order; });
    for (auto it = again.rbegin(); it != again.rend(); ++it)
        pending_.push_front(std::move(it->message));
}

void ServiceLink::on_acked(const mqtt::ClientEvent& e) {
    const auto it = inflight_.find(e.packet_id);
    if (it == inflight_.end()) return;
    if (e.reason >= 0x80) {
        if (!it->second.control) {
            log_line("the broker refused a message for " + it->second.message.topic + ": " +
                     transport::reason_text(e.reason));
        } else if (!control_refusal_logged_) {
            log_line("the broker refused a control message (" + transport::reason_text(e.reason) +
                     "): its plugin does not take the control channel");
            control_refusal_logged_ = true;
        }
    }
    inflight_.erase(it);
}

void ServiceLink::on_subscribed(const mqtt::ClientEvent& e, std::int64_t now_mono_ms) {
    if (e.packet_id != subscribe_id_) return;
    subscribe_id_ = 0;
    if (e.reason >= 0x80) {
        log_line(std::string("the broker refused the subscription to ") + kArchiveFilter + ": " +
                 transport::reason_text(e.reason) + "; retrying");
        retry_at_ = now_mono_ms + kRetryMs;
        return;
    }
    if (!subscribed_) log_line(std::string("archiving ") + kArchiveFilter);
    subscribed_ = true;
    ++subscriptions_;
}

void ServiceLink::flush_archive(std::int64_t now_mono_ms) {
    for (const std::uint16_t id : archiver_.flush(now_mono_ms, connection_))
        client_.acknowledge(id);
    if (auto change = archiver_.take_change())
        send_control(control::archive_message(change->open, change->reason));
}

void ServiceLink::send_control(std::string payload) {
    if (!client_.connected() || !state_loaded_) return;
    control_.push_back(std::move(payload));
    fill_window();
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

// Control messages first, then the SUBSCRIBE (once the whole control state
// is written), then POSTed messages, never more unacknowledged than the
// broker's Receive Maximum allows.
void ServiceLink::fill_window() {
    if (!client_.connected() || !state_loaded_) return;
    const std::size_t window =
        std::clamp<std::size_t>(client_.server_receive_maximum(), 1, kMaxWindow);
    while (!control_.empty() && inflight_.size() < window) {
        const std::uint16_t id = client_.publish(control::kTopic, control_.front());
        inflight_[id] = InFlight{++published_, true, {}};
        control_.pop_front();
    }
    if (!control_.empty()) return;
    if (!subscribed_ && subscribe_id_ == 0 && retry_at_ < 0)
        subscribe_id_ = client_.subscribe(kArchiveFilter, 1);
    while (!pending_.empty() && inflight_.size() < window) {
        const std::uint16_t id = client_.publish(pending_.front().topic, pending_.front().payload);
        inflight_[id] = InFlight{++published_, false, std::move(pending_.front())};
        pending_.pop_front();
    }
}

}  // namespace mqchat::server
