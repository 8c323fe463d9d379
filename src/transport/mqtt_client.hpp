// mqchat's own MQTT 5 client: one non-blocking socket (TCP or a unix
// socket) driven by its owner's poll() (mqchatd's serve loop, or the native
// transport's I/O thread), with keepalive, a dead-link timeout and
// reconnects with backoff. A QoS 1 PUBLISH from the broker is acknowledged
// only when the owner says so (acknowledge()): mqchatd's archiver answers
// after its row is committed, which Paho and libmosquitto cannot do (they
// acknowledge before the application sees the message). No thread of its
// own and no sleeps: a one-shot send costs a connect and two round trips.
// The mqchat client uses it for every mqtt:// broker (native_transport.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/mqtt_packet.hpp"

namespace mqchat::mqtt {

// Where the connection goes: a TCP host and port, or a unix socket path.
struct BrokerTarget {
    std::string unix_path;  // non-empty: a unix socket
    std::string host;
    int port = 0;

    static BrokerTarget tcp(std::string host, int port);
    static BrokerTarget unix_socket(std::string path);
    std::string to_string() const;  // "mqtt://host:port" or "unix:PATH"
};

struct BrokerTargetResult {
    std::optional<BrokerTarget> target;
    std::string problem;  // one line when target is empty
};

// "mqtt://host:port" (also "host" and "host:port", port 1883 by default) or
// "unix:PATH". mqtts://, ws:// and wss:// are refused: this client speaks
// plain MQTT only.
BrokerTargetResult parse_broker_target(std::string_view text);

struct MqttClientSettings {
    BrokerTarget target;
    mqtt::ConnectFields connect;
    std::size_t max_packet_size = 1 << 20;  // inbound limit, also announced in CONNECT
    std::int64_t connect_timeout_ms = 10000;
    std::int64_t first_backoff_ms = 100;  // doubles per failed attempt...
    std::int64_t max_backoff_ms = 2000;   // ...up to this
};

struct ClientEvent {
    enum class Type {
        connected,  // CONNACK accepted
        failed,     // an attempt that never got its CONNACK (a retry is scheduled)
        lost,       // an accepted connection ended (a reconnect is scheduled)
        message,    // a PUBLISH; QoS 1 ones wait for acknowledge(packet_id)
        acked,      // PUBACK of one of our publishes
        subscribed  // SUBACK
    };
    Type type = Type::failed;
    bool session_present = false;  // connected
    std::uint16_t receive_maximum =
        0;                        // connected: how many publishes the server takes unacknowledged
    mqtt::Publish message;        // message
    std::uint16_t packet_id = 0;  // acked, subscribed
    std::uint8_t reason = 0;      // acked, subscribed (its first code); failed, lost: the broker's
    std::string detail;           // failed, lost: why, one line
};

class MqttClient {
  public:
    explicit MqttClient(MqttClientSettings settings);
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // The first attempt, now; later ones follow from tick() by themselves.
    void start(std::int64_t now_ms, std::vector<ClientEvent>& out);
    // DISCONNECT (best effort) and close; no more attempts. Waits up to
    // `linger_ms` for what is queued (publishes, the DISCONNECT) to be
    // written, so a DISCONNECT is not cut off behind a half-written packet.
    void stop(std::int64_t linger_ms = 0);

    // For poll(): the socket (-1 while there is none) and the events wanted.
    int fd() const { return fd_; }
    short poll_events() const;
    // Does the reading and writing poll() reported, appending what happened.
    void on_poll(short revents, std::int64_t now_ms, std::vector<ClientEvent>& out);
    // Timers: the connect deadline, keepalive, the dead-link timeout, retries.
    void tick(std::int64_t now_ms, std::vector<ClientEvent>& out);
    // Milliseconds until tick() has something to do (-1: nothing scheduled).
    std::int64_t wait_hint_ms(std::int64_t now_ms) const;

    bool connected() const { return state_ == State::connected; }
    // The broker's Receive Maximum from the last CONNACK.
    std::uint16_t server_receive_maximum() const { return server_receive_maximum_; }

    // A QoS 1 publish; its packet id (answered by an `acked` event), or 0
    // when not connected. `now` false: queued for send_queued(), so that a
    // batch of publishes costs one write.
    std::uint16_t publish(std::string_view topic, std::string_view payload, bool now = true);
    // A SUBSCRIBE of one filter; its packet id, or 0 when not connected.
    std::uint16_t subscribe(std::string_view filter, std::uint8_t qos);
    // An UNSUBSCRIBE of one filter; its packet id, or 0 when not connected.
    std::uint16_t unsubscribe(std::string_view filter);
    // The PUBACK of a received QoS 1 PUBLISH. `now` false: queued for
    // send_queued(), so a batch of messages costs one write, not one each.
    void acknowledge(std::uint16_t packet_id, bool now = true);
    // Writes what was queued, as far as the socket takes it now (the rest
    // when poll() says it is writable).
    void send_queued(std::int64_t now_ms, std::vector<ClientEvent>& out);

  private:
    enum class State { idle, connecting, handshaking, connected, stopped };

    void attempt(std::int64_t now_ms, std::vector<ClientEvent>& out);
    bool open_socket(std::string& problem);
    void socket_connected(std::int64_t now_ms);
    // `reason`: the broker's, when a CONNACK or DISCONNECT gave one.
    void drop(std::string why, std::int64_t now_ms, std::vector<ClientEvent>& out,
              std::uint8_t reason = 0);
    void read_available(std::int64_t now_ms, std::vector<ClientEvent>& out);
    void handle_frames(std::int64_t now_ms, std::vector<ClientEvent>& out);
    bool handle(mqtt::Inbound packet, std::int64_t now_ms, std::vector<ClientEvent>& out);
    void send(std::string bytes);
    bool flush();
    std::uint16_t next_packet_id();
    std::int64_t keepalive_ms() const;

    MqttClientSettings settings_;
    State state_ = State::idle;
    int fd_ = -1;
    std::string in_;
    std::string out_;
    std::string write_error_;  // set by flush() when the socket failed
    std::int64_t attempt_deadline_ = 0;
    std::int64_t retry_at_ = -1;
    std::int64_t backoff_ms_;
    std::int64_t last_rx_ = 0;
    std::int64_t last_tx_ = 0;  // the last write that the socket took
    std::int64_t now_ms_ = 0;   // as of the last call that was told the time
    std::uint16_t server_receive_maximum_ = 65535;
    std::uint16_t server_keepalive_s_ = 0;  // 0: ours
    std::uint16_t last_packet_id_ = 0;
    std::set<std::uint16_t> outstanding_;  // our publishes and subscribes awaiting an answer
};

}  // namespace mqchat::mqtt
