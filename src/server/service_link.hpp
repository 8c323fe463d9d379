// mqchatd's own broker connection ($mqchatd / service key), on the serve
// loop's thread: after every connect it sends the control state, then
// subscribes to the archive filter; it archives what arrives (acknowledging
// only after the commit), publishes POSTed messages in a window, and passes
// control messages to the broker plugin.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "archive_status.hpp"
#include "archiver.hpp"
#include "store.hpp"
#include "transport/mqtt_client.hpp"

namespace mqchat::server {

inline constexpr const char* kServiceUsername = "$mqchatd";
inline constexpr const char* kArchiverClientId = "$mqchatd-archiver";
inline constexpr std::size_t kMaxPending = 10000;
// Unacknowledged QoS 1 deliveries the broker may send us at once.
inline constexpr std::uint16_t kArchiverReceiveMaximum = 1024;

struct Outgoing {
    std::string topic;
    std::string payload;
};

struct ServiceLinkSettings {
    mqtt::BrokerTarget target;
    std::string client_id = kArchiverClientId;
    std::string service_key;
    ArchiverSettings archiver;  // receive_maximum is also announced in CONNECT
};

class ServiceLink {
  public:
    // Every control message a new connection must send before it subscribes
    // (besides the archive state, which the link knows); nullopt when it
    // cannot be read now (retried a second later, still before subscribing).
    using ControlState = std::function<std::optional<std::vector<std::string>>()>;

    ServiceLink(Store& archive_store, ArchiveStatus& status, ServiceLinkSettings settings,
                ControlState control_state);
    ServiceLink(const ServiceLink&) = delete;
    ServiceLink& operator=(const ServiceLink&) = delete;

    void start(std::int64_t now_mono_ms);
    void stop();

    int fd() const { return client_.fd(); }
    short poll_events() const { return client_.poll_events(); }
    void on_poll(short revents, std::int64_t now_mono_ms);
    // Timers: reconnects, keepalive, archive retries, a refused subscription.
    void tick(std::int64_t now_mono_ms);
    std::int64_t wait_hint_ms(std::int64_t now_mono_ms) const;

    // Queues a QoS 1 publish; sent in order within a small window of
    // unacknowledged publishes, kept across reconnects. Beyond kMaxPending
    // queued publishes the oldest are dropped (they are archived already;
    // only live readers miss them).
    void publish(Outgoing message);
    // A control message for the broker plugin. Dropped while disconnected:
    // the whole state is sent again on the next connect.
    void send_control(std::string payload);

    // Subscribed (SUBACK seen) on the current connection.
    bool archiving() const { return subscribed_; }
    // How many times it has become subscribed so far: tells a subscription on
    // a restarted broker from one the loop has not yet seen lost.
    std::uint64_t subscriptions() const { return subscriptions_; }

  private:
    struct InFlight {
        std::uint64_t order = 0;  // publish order (packet ids wrap)
        bool control = false;
        Outgoing message;  // a POSTed message, resent after a reconnect
    };

    void handle(mqtt::ClientEvent& event, std::int64_t now_mono_ms);
    void on_connected(const mqtt::ClientEvent& event, std::int64_t now_mono_ms);
    void on_down(const mqtt::ClientEvent& event);
    void on_acked(const mqtt::ClientEvent& event);
    void on_subscribed(const mqtt::ClientEvent& event, std::int64_t now_mono_ms);
    void load_control_state(std::int64_t now_mono_ms);
    void after_events(std::int64_t now_mono_ms);
    void flush_archive(std::int64_t now_mono_ms);
    void fill_window();
    void run(std::vector<mqtt::ClientEvent>& events, std::int64_t now_mono_ms);

    std::string client_id_;
    mqtt::MqttClient client_;
    Archiver archiver_;
    ControlState control_state_;
    std::uint64_t connection_ = 0;  // counts connects: deliveries are acknowledged on theirs only
    bool state_loaded_ = false;     // the control state of this connection is queued
    bool subscribed_ = false;
    std::uint64_t subscriptions_ = 0;
    std::uint16_t subscribe_id_ = 0;  // 0: no SUBSCRIBE outstanding
    std::int64_t retry_at_ = -1;      // loading the state or subscribing again
    int failed_attempts_ = 0;         // connects in a row that failed
    std::string last_failure_;        // logged once until something changes
    bool control_refusal_logged_ = false;
    std::deque<std::string> control_;
    std::deque<Outgoing> pending_;
    std::map<std::uint16_t, InFlight> inflight_;
    std::uint64_t published_ = 0;
};

}  // namespace mqchat::server
