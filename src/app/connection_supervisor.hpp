// The one place that decides what happens to the broker connection, for the
// chat, --send and --tail alike: credentials (a token, fetched off the main
// loop and renewed before it is due), connecting, what each CONNACK reason
// means, reconnecting with exponential backoff and jitter, resubscribing on
// every connect, and switching to a new token without losing or repeating a
// message. It reports what happened as LinkEvents; the session decides what
// they mean for its messages (the outbox, the room syncs, the screen).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "app/access.hpp"
#include "core/outgoing.hpp"
#include "platform/event_queue.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::app {

using CredentialResult = std::variant<BrokerAccess, ApiError>;

// Where credentials come from. fetch() may answer at once (no server) or
// later on the main thread (a token route over HTTP on a worker thread).
class TokenSource {
  public:
    virtual ~TokenSource() = default;
    virtual bool has_server() const = 0;
    virtual void fetch(const std::vector<std::string>& rooms,
                       std::function<void(CredentialResult)> done) = 0;
};

using TransportFactory =
    std::function<std::unique_ptr<transport::MqttTransport>(transport::EventSink)>;

// The clocks and the randomness the supervisor uses, replaceable in tests.
struct SupervisorClock {
    std::function<std::int64_t()> monotonic_ms;
    std::function<std::int64_t()> wall_ms;
    std::function<double()> uniform01;  // jitter, in [0, 1)
    static SupervisorClock system();
};

struct SupervisorSettings {
    std::chrono::seconds keep_alive{10};  // a half-open link is noticed within twice this
    std::chrono::seconds connect_timeout{5};
    std::int64_t first_backoff_ms = 1000;
    std::int64_t max_backoff_ms = 30000;
    std::int64_t busy_backoff_ms = 5000;  // at least this after "busy"/"rate exceeded"
    // At most this after "server unavailable" (0x88): what mqchatd's front
    // answers while its broker restarts, for a few seconds; 30 s of backoff
    // would keep clients away long after it is back.
    std::int64_t unavailable_backoff_ms = 2000;
    std::int64_t refresh_retry_ms = 30000;  // a failed token refresh is tried again after this
    std::int64_t switch_grace_ms = 3000;    // waiting for acks before a token switch
    std::int64_t stable_after_ms = 10000;   // a connection this old resets the backoff
    std::string cafile;
    bool insecure = false;
    int qos = 1;
    bool subscribe = true;  // false: publish only (--send), no subscriptions
};

struct LinkEvent {
    enum class Kind {
        connected,          // first: the first connection of this run
        lost,               // text: why; planned: our own doing (a new token)
        retrying,           // at_ms: wall-clock time of the next attempt; text: why
        subscribed,         // room
        subscribe_refused,  // room, text
        message,            // room, payload
        acknowledged,       // ticket
        refused,            // ticket, reason_code, text
        returned,           // ticket: the library lost it; send it again
        token,              // at_ms: when the new token expires
        notice,             // text: worth telling the user, not fatal
        fatal,              // exit_code, stage, text: the run must end
    };
    explicit LinkEvent(Kind k, std::string t = {}) : kind(k), text(std::move(t)) {}

    Kind kind;
    std::string text;
    std::string room;
    std::string payload;
    std::uint64_t ticket = 0;
    int reason_code = 0;
    std::int64_t at_ms = 0;
    bool first = false;
    bool planned = false;
    int exit_code = 0;
    std::string stage;
};

class ConnectionSupervisor {
  public:
    ConnectionSupervisor(SupervisorSettings settings, TransportFactory factory, TokenSource& tokens,
                         SupervisorClock clock = SupervisorClock::system());
    ~ConnectionSupervisor();
    ConnectionSupervisor(const ConnectionSupervisor&) = delete;
    ConnectionSupervisor& operator=(const ConnectionSupervisor&) = delete;

    // Fetches credentials for `rooms` and connects; every connection
    // subscribes to all rooms wanted then.
    void start(std::vector<std::string> rooms);
    // Adds a room: a token covering it, then a switch to it.
    void join(const std::string& room);
    // Drops a room: unsubscribed at once.
    void part(const std::string& room);
    // QoS 1 publish on the current connection: its ticket, or nullopt while
    // not connected or while a token switch waits for the last acks.
    std::optional<std::uint64_t> publish(const std::string& room, const std::string& payload);
    bool can_publish() const;
    // Outstanding publishes the broker allows (its Receive Maximum).
    int receive_maximum() const { return receive_maximum_; }
    // How many publishes to keep outstanding: at most the broker's Receive
    // Maximum (Paho stalls beyond it), and at most 32: against a broker
    // allowing 1000, 100,000 lines took 8.3-9.0 s with 8 outstanding,
    // 6.7-7.9 s with 20, 6.2 s with 32, 6.6 s with 100.
    std::size_t publish_window() const;
    // Publishes `m` if a publish is possible now (see publish()).
    std::optional<std::uint64_t> publish_message(const OutgoingMessage& m) {
        return publish(m.room, m.payload);
    }

    // poll() this fd; when readable, call on_transport_ready(). It handles at
    // most `max_events` (the chat looks at the keyboard between batches under
    // a flood); has_backlog() says more are waiting.
    int event_fd() const { return queue_.fd(); }
    void on_transport_ready(std::size_t max_events = SIZE_MAX);
    bool has_backlog() const { return !backlog_.empty(); }
    // Due retries, token refreshes and switches.
    void tick();
    // When tick() next has something to do (monotonic ms), or nullopt.
    std::optional<std::int64_t> next_deadline_ms() const;
    std::vector<LinkEvent> take_events();

    // Ends the connection (DISCONNECT sent, bounded wait).
    void close();
    bool connected() const { return state_ == State::connected; }
    // Credentials arrived (or the run ended trying): the screen may open.
    bool started() const { return have_access_ || state_ == State::stopped; }
    bool ever_connected() const { return ever_connected_; }
    const std::string& url_text() const { return url_text_; }
    std::int64_t token_expires_at_ms() const { return access_.expires_at_ms; }
    // The last reason a connect attempt failed ("" when none): for a timeout.
    const std::string& last_failure() const { return last_failure_; }

  private:
    enum class State {
        idle,        // before start()
        fetching,    // waiting for credentials before (re)connecting
        connecting,  // a connect attempt is under way
        connected,
        waiting,  // backing off until retry_at_
        stopped,  // fatal, or closed
    };

    void request_credentials();
    void on_credentials(CredentialResult result);
    void connect_now();
    void handle(const transport::MqttEvent& e);
    void on_publish_result(const transport::MqttEvent& e);
    void on_connected(const transport::MqttEvent& e);
    void on_connect_failed(const transport::MqttEvent& e);
    void on_lost(const transport::MqttEvent& e);
    void schedule_retry(const std::string& why, int reason_code);
    void maybe_switch();
    void retry_now();
    bool token_due() const;
    void fatal(int exit_code, const std::string& stage, const std::string& text);
    void emit(LinkEvent e) { events_.push_back(std::move(e)); }
    std::string refusal_text(const transport::MqttEvent& e) const;

    SupervisorSettings settings_;
    TokenSource& tokens_;
    SupervisorClock clock_;
    platform::EventQueue<transport::MqttEvent> queue_;
    std::deque<transport::MqttEvent> backlog_;  // taken from the queue, not handled yet
    std::unique_ptr<transport::MqttTransport> transport_;
    std::vector<LinkEvent> events_;
    std::vector<std::string> rooms_;
    State state_ = State::idle;
    BrokerAccess access_;
    bool have_access_ = false;
    std::string client_id_;  // kept across tokens: the broker sees one client
    std::string url_text_;
    std::uint64_t connection_ = 0;  // the transport's number for the current attempt
    bool ever_connected_ = false;
    bool renewed_after_refusal_ = false;
    bool fetch_out_ = false;
    bool fetch_again_ = false;     // rooms changed while a fetch was out
    bool pending_switch_ = false;  // new credentials wait for the current connection to drain
    std::int64_t switch_deadline_ms_ = 0;
    std::int64_t refresh_at_ms_ = 0;  // wall clock; 0: no refresh due
    std::int64_t retry_at_ms_ = 0;    // monotonic
    std::int64_t connected_at_ms_ = 0;
    int attempts_ = 0;  // failed attempts since the last stable connection
    int receive_maximum_ = 1;
    std::unordered_set<std::uint64_t> in_flight_;  // tickets of this connection's unacked publishes
    std::string last_failure_;
};

}  // namespace mqchat::app
