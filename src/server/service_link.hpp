// mqchatd's own broker connection ($mqchatd / service key): the archiver's
// persistent shared subscription and the publisher of POSTed messages. Lives
// on the main loop: Paho's callbacks only enqueue MqttEvents, which the loop
// hands to on_event(), so every database write happens on mqchatd's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "platform/event_queue.hpp"
#include "store.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::server {

inline constexpr const char* kServiceUsername = "$mqchatd";
inline constexpr const char* kArchiverClientId = "$mqchatd-archiver";
inline constexpr std::size_t kMaxPending = 10000;

struct Outgoing {
    std::string topic;
    std::string payload;
};

class ServiceLink {
  public:
    ServiceLink(Store& store, const BrokerUrl& url, std::string client_id, std::string service_key);
    ~ServiceLink();
    ServiceLink(const ServiceLink&) = delete;
    ServiceLink& operator=(const ServiceLink&) = delete;

    // fd that becomes readable when on_pending_events() has work.
    int event_fd() const { return events_.fd(); }
    void connect(std::int64_t now_mono_ms);
    // Drains and handles every queued broker event.
    void on_pending_events(std::int64_t now_mono_ms);
    // Retries a failed first connect or subscription when its time has come.
    void tick(std::int64_t now_mono_ms);
    std::int64_t wait_hint_ms(std::int64_t now_mono_ms) const;

    // Queues a QoS 1 publish; sent in order within a small window of
    // unacknowledged publishes, kept across reconnects.
    // Beyond kMaxPending queued publishes the oldest are dropped (they are
    // archived already; only live readers miss them).
    void publish(Outgoing message);

    // Subscribed (SUBACK seen) on the current connection.
    bool archiving() const { return subscribed_; }
    // How many times it has become subscribed so far: tells a subscription on
    // a restarted broker from one the loop has not yet seen lost.
    std::uint64_t subscriptions() const { return subscriptions_; }
    void disconnect();

  private:
    void handle(const transport::MqttEvent& event, std::int64_t now_mono_ms);
    void on_connected(const transport::MqttEvent& event);
    void on_connect_failed(const transport::MqttEvent& event, std::int64_t now_mono_ms);
    void on_message(const transport::MqttEvent& event);
    void on_publish_result(const transport::MqttEvent& event);
    void requeue_inflight();
    void fill_window();
    void schedule_retry(std::int64_t now_mono_ms);

    Store& store_;
    transport::ConnectSettings settings_;
    platform::EventQueue<transport::MqttEvent> events_;
    std::unique_ptr<transport::MqttTransport> transport_;
    bool connected_ = false;
    bool ever_connected_ = false;  // Paho reconnects by itself after the first success
    bool subscribed_ = false;
    std::uint64_t subscriptions_ = 0;
    std::int64_t retry_at_ = -1;  // monotonic ms of the next connect/subscribe attempt
    std::int64_t retry_delay_ms_ = 500;
    std::string last_failure_;  // logged once until something changes
    int failed_attempts_ = 0;   // since the last successful connect
    std::size_t window_ = 16;
    std::deque<Outgoing> pending_;
    std::map<std::uint64_t, Outgoing> inflight_;  // by ticket: publish order
};

}  // namespace mqchat::server
