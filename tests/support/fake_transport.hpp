// A scriptable MqttTransport for headless tests: records every call the app
// makes of the broker connection and lets the test answer with events (CONNACK,
// refusals, lost links, messages, PUBACKs) through the app's own event sink.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/connection_supervisor.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::fakes {

struct ConnectCall {
    transport::ConnectSettings settings;  // password included: tests check the token
    std::uint64_t connection = 0;
};

struct PublishCall {
    std::string topic;
    std::string payload;
    int qos = 0;
    std::uint64_t ticket = 0;
    std::uint64_t connection = 0;
};

struct SubscribeCall {
    std::string topic;
    int qos = 0;
    std::uint64_t connection = 0;
};

// The broker side of every FakeTransport its factory() makes: the session
// owns the transport, the test keeps this. Thread-safe: the session's loop
// calls the transport while the test thread scripts answers and waits.
class FakeBroker {
  public:
    FakeBroker() = default;
    FakeBroker(const FakeBroker&) = delete;
    FakeBroker& operator=(const FakeBroker&) = delete;

    // For SessionPorts::transport / ConnectionSupervisor. This object must
    // outlive every transport made.
    app::TransportFactory factory();

    // --- automatic answers (off by default: the test answers by hand)
    void set_auto_connack(bool on, int receive_maximum = 20);
    void set_auto_suback(bool on);
    void set_auto_puback(bool on);
    // When connected, publishes come back as messages on their topic, as a
    // broker does for a subscriber of its own room.
    void set_echo(bool on);

    // --- events the broker sends (to the current connection)
    void connack(int receive_maximum = 20);
    void refuse_connect(int reason_code);
    // A connect that failed without a CONNACK (library return code).
    void fail_connect(int return_code, const std::string& detail = "connection refused");
    void lose_connection(int reason_code = 0, const std::string& detail = "connection lost");
    void deliver(const std::string& topic, const std::string& payload);
    void puback(std::uint64_t ticket, int reason_code = 0);
    // The library lost the publish (no reason code from the broker).
    void publish_lost(std::uint64_t ticket, int return_code = -3);
    void suback(const std::string& topic);
    // Anything else, verbatim (e.g. a stale event of an older connection).
    void push(transport::MqttEvent event);

    // --- what the app did
    std::vector<ConnectCall> connects() const;
    std::vector<PublishCall> publishes() const;
    std::vector<SubscribeCall> subscribes() const;
    std::vector<std::string> unsubscribes() const;
    std::size_t disconnects() const;
    std::size_t transports_made() const;
    std::uint64_t connection() const;  // the number of the latest connect()
    bool is_connected() const;
    // Publishes not yet answered with puback/publish_lost, oldest first.
    std::vector<PublishCall> unacked() const;

    // Waits (polling, up to `timeout`) until `ready()` holds; false on timeout.
    // Wakes early on every call the app makes.
    bool wait_until(const std::function<bool()>& ready,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  private:
    friend class FakeTransport;

    // Called by the transports (the app's side).
    void attach(transport::EventSink sink);
    void detach();
    std::uint64_t on_connect(const transport::ConnectSettings& settings);
    void on_subscribe(const std::string& topic, int qos);
    void on_unsubscribe(const std::string& topic);
    std::optional<std::uint64_t> on_publish(const std::string& topic, const std::string& payload,
                                            int qos);
    void on_disconnect();

    // Both with mutex_ held.
    void send_locked(transport::MqttEvent event);
    void settle_locked(std::uint64_t ticket);

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    transport::EventSink sink_;
    bool connected_ = false;
    bool auto_connack_ = false;
    int auto_receive_maximum_ = 20;
    bool auto_suback_ = false;
    bool auto_puback_ = false;
    bool echo_ = false;
    std::uint64_t connection_ = 0;
    std::uint64_t next_ticket_ = 1;
    std::size_t transports_made_ = 0;
    std::size_t disconnects_ = 0;
    std::vector<ConnectCall> connects_;
    std::vector<PublishCall> publishes_;
    std::vector<SubscribeCall> subscribes_;
    std::vector<std::string> unsubscribes_;
    std::vector<std::uint64_t> unacked_;  // tickets
};

// The MqttTransport the app holds: forwards every call to its FakeBroker.
class FakeTransport final : public transport::MqttTransport {
  public:
    FakeTransport(FakeBroker& broker, transport::EventSink sink);
    ~FakeTransport() override;
    std::uint64_t connect(const transport::ConnectSettings& settings) override;
    void subscribe(const std::string& topic, int qos) override;
    void unsubscribe(const std::string& topic) override;
    std::optional<std::uint64_t> publish(const std::string& topic, const std::string& payload,
                                         int qos) override;
    void disconnect(std::chrono::milliseconds timeout) override;

  private:
    FakeBroker& broker_;
};

}  // namespace mqchat::fakes
