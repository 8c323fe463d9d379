// The MQTT seam: what the app asks of a broker connection and the events it
// gets back. The Paho implementation is one adapter; tests can supply fakes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/broker_url.hpp"

namespace mqchat::transport {

struct ConnectSettings {
    BrokerUrl url;
    std::string client_id;
    std::string username;  // empty: none sent
    std::string password;  // secret: never logged
    std::chrono::seconds connect_timeout{5};
    std::chrono::seconds keep_alive{30};
    bool auto_reconnect = true;
    std::string cafile;     // TLS trust; empty: the system store
    bool insecure = false;  // TLS without certificate or host name checks
    // Session persistence (mqchatd's archiver keeps its session and queued
    // messages across reconnects); the client's defaults: a fresh session.
    bool clean_start = true;
    std::chrono::seconds session_expiry{0};
    std::chrono::seconds max_retry_interval{30};  // automatic reconnect backoff cap
};

struct MqttEvent {
    enum class Type {
        connected,        // first connect or automatic reconnect
        connect_failed,   // the first connect did not succeed
        connection_lost,  // automatic reconnect is under way (if enabled)
        message,          // topic + payload
        published,        // ticket acknowledged (reason_code < 0x80)
        publish_failed,   // ticket refused (reason_code >= 0x80) or lost (return_code < 0)
        subscribed,
        subscribe_failed,
    };
    Type type;
    std::string topic;
    std::string payload;
    std::uint64_t ticket = 0;
    int reason_code = 0;      // MQTT 5 reason code, when the broker gave one
    int return_code = 0;      // library error code, when the library failed
    int receive_maximum = 0;  // from CONNACK (connected events)
    std::string detail;       // library or broker text: sanitize before display
    bool planned = false;     // connection_lost: our own doing (a token refresh)
};

// Called on the library's threads: it must only enqueue.
using EventSink = std::function<void(MqttEvent)>;

class MqttTransport {
  public:
    virtual ~MqttTransport() = default;
    virtual void connect(const ConnectSettings& settings) = 0;
    virtual void subscribe(const std::string& topic, int qos) = 0;
    // Best effort: when not connected there is nothing to undo, since every
    // connection starts clean and subscribes to what is wanted then.
    virtual void unsubscribe(const std::string& topic) = 0;
    // A ticket for the publish, or nullopt when the client is not connected
    // right now (the caller keeps the message and retries after reconnect).
    virtual std::optional<std::uint64_t> publish(const std::string& topic,
                                                 const std::string& payload, int qos) = 0;
    virtual void disconnect(std::chrono::milliseconds timeout) = 0;
};

std::unique_ptr<MqttTransport> make_paho_transport(EventSink sink);

// Human text for an MQTT 5 reason code ("not authorized (0x87)").
std::string reason_text(int reason_code);

// After a failed connect: a one-line cause found by resolving and probing the
// broker address ourselves ("connection refused", "no such host", ...).
std::string diagnose_connect_failure(const BrokerUrl& url, std::chrono::milliseconds timeout);

}  // namespace mqchat::transport
