// The MQTT seam: what the app asks of a broker connection and the events it
// gets back. mqchat's own client and Paho are the adapters; tests supply fakes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
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
    // The library's own reconnect loop (mqchatd's service link). Clients
    // leave it off: their connection supervisor decides when to retry.
    bool auto_reconnect = false;
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
        connected,         // a connect (or the library's automatic reconnect) succeeded
        connect_failed,    // a connect attempt did not succeed
        connection_lost,   // automatic reconnect is under way (if enabled)
        message,           // topic + payload
        published,         // ticket acknowledged (reason_code < 0x80)
        publish_failed,    // ticket refused (reason_code >= 0x80) or lost (return_code < 0)
        subscribed,        // topic: the filter
        subscribe_failed,  // topic: the filter
    };
    Type type;
    std::string topic;
    std::string payload;
    std::uint64_t ticket = 0;
    int reason_code = 0;      // MQTT 5 reason code, when the broker gave one
    int return_code = 0;      // library error code, when the library failed
    int receive_maximum = 0;  // from CONNACK (connected events)
    std::string detail;       // library or broker text: sanitize before display
    // Which connect() this event belongs to (1, 2, ...): events of an earlier
    // connection still queued when a new one starts are told apart by it.
    // 0 on published/publish_failed: those are known by their ticket only.
    std::uint64_t connection = 0;
};

// Called on the library's threads: it must only enqueue.
using EventSink = std::function<void(MqttEvent)>;

class MqttTransport {
  public:
    virtual ~MqttTransport() = default;
    // Starts a connect attempt; its outcome arrives as a connected or
    // connect_failed event. May be called again after a connect_failed or a
    // connection_lost (a retry, possibly with new credentials), and after
    // disconnect(); the same client is reused when the URL and client id are
    // unchanged. Returns the number its events will carry (MqttEvent::connection).
    virtual std::uint64_t connect(const ConnectSettings& settings) = 0;
    virtual void subscribe(const std::string& topic, int qos) = 0;
    // Best effort: when not connected there is nothing to undo, since every
    // connection starts clean and subscribes to what is wanted then.
    virtual void unsubscribe(const std::string& topic) = 0;
    // A ticket for the publish, or nullopt when the client is not connected
    // right now (the caller keeps the message and retries after reconnect).
    virtual std::optional<std::uint64_t> publish(const std::string& topic,
                                                 const std::string& payload, int qos) = 0;
    // Ends the connection (waiting up to `timeout` for the DISCONNECT to go
    // out); no connection_lost event follows. Events of this connection still
    // queued are the caller's to ignore.
    virtual void disconnect(std::chrono::milliseconds timeout) = 0;
};

// Paho's transport, from the module libmqchat_paho.so (paho_loader.cpp);
// throws TransportUnavailable when the module cannot be found or loaded.
std::unique_ptr<MqttTransport> make_paho_transport(EventSink sink);

// An installation problem, not a network one: the one-line text says what
// is missing and where it was looked for.
class TransportUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The client's transport (chat, --send, --tail): mqchat's own MQTT client
// for mqtt:// brokers (no library threads to start and stop, no sleeps, one
// copy per message), Paho for TLS and WebSockets, chosen at each connect by
// the URL.
std::unique_ptr<MqttTransport> make_transport(EventSink sink);

// The process ends as soon as its session is over (mqchat's main): a Paho
// transport then disconnects and leaves its client to the process exit.
// Destroying it would stop Paho's threads, which sleep in 100 ms steps: up
// to 200 ms added to every `--send`. Off by default (tests build many
// transports in one process).
void end_paho_with_process();

// Human text for an MQTT 5 reason code ("not authorized (0x87)").
std::string reason_text(int reason_code);

// After a failed connect: a one-line cause found by resolving and probing the
// broker address ourselves ("connection refused", "no such host", ...).
std::string diagnose_connect_failure(const BrokerUrl& url, std::chrono::milliseconds timeout);

}  // namespace mqchat::transport
