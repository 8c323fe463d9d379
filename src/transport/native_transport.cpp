// The client's transport: mqchat's own MQTT client on one I/O thread for
// plain mqtt:// brokers, Paho for TLS and WebSockets. Paho's threads start
// and stop in 100 ms steps (most of a one-shot send's time, and the first
// 100 ms of every chat and --tail) and it copies each message several times
// on its way in; this client has no sleeps, so a send costs a connect and
// two round trips.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "platform/environment.hpp"
#include "transport/mqtt_client.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::transport {
namespace {

// Inbound packets larger than this are refused by the broker on our behalf
// (we announce it in CONNECT): far above what a chat message may be (a
// payload over 64 KiB is shown as a one-line notice), low enough that a
// hostile publisher cannot make us buffer hundreds of megabytes.
constexpr std::size_t kMaxInboundPacket = 16u << 20;

// The answer to a subscribe() with no connection to send it on: the next
// connection subscribes again.
MqttEvent not_subscribed(const std::string& topic, std::uint64_t connection) {
    MqttEvent e;
    e.type = MqttEvent::Type::subscribe_failed;
    e.topic = topic;
    e.connection = connection;
    e.detail = "not connected";
    return e;
}

mqtt::MqttClientSettings client_settings(const ConnectSettings& s) {
    mqtt::MqttClientSettings c;
    c.max_packet_size = kMaxInboundPacket;
    c.target = mqtt::BrokerTarget::tcp(s.url.host, s.url.port);
    c.connect.client_id = s.client_id;
    c.connect.username = s.username;
    c.connect.password = s.password;
    c.connect.keepalive_s = static_cast<std::uint16_t>(s.keep_alive.count());
    c.connect.clean_start = s.clean_start;
    c.connect.session_expiry_s = static_cast<std::uint32_t>(s.session_expiry.count());
    c.connect_timeout_ms = std::chrono::milliseconds(s.connect_timeout).count();
    return c;
}

// mqchat's own client, driven by one thread that polls its socket and a
// wake-up eventfd. Messages received are handed to the sink and only then
// acknowledged (QoS 1), like Paho does once its callback returns.
class NativeTransport final : public MqttTransport {
  public:
    explicit NativeTransport(EventSink sink)
        : sink_(std::move(sink)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
        if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
        thread_ = std::thread([this] { loop(); });
    }

    ~NativeTransport() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            if (client_) client_->stop();
        }
        wake();
        thread_.join();
        ::close(wake_fd_);
    }

    std::uint64_t connect(const ConnectSettings& settings) override {
        std::uint64_t number = 0;
        {
            std::lock_guard lock(mutex_);
            end_connection();
            number = ++connection_;
            client_ = std::make_unique<mqtt::MqttClient>(client_settings(settings));
            std::vector<mqtt::ClientEvent> out;
            client_->start(platform::monotonic_ms(), out);
            deliver(out);
        }
        wake();
        return number;
    }

    void subscribe(const std::string& topic, int qos) override {
        {
            std::lock_guard lock(mutex_);
            const std::uint16_t id =
                client_ ? client_->subscribe(topic, static_cast<std::uint8_t>(qos)) : 0;
            if (id == 0) return sink_(not_subscribed(topic, connection_));
            subscriptions_[id] = topic;
        }
        wake();
    }

    void unsubscribe(const std::string& topic) override {
        {
            std::lock_guard lock(mutex_);
            if (client_) client_->unsubscribe(topic);  // not connected: nothing to undo
        }
        wake();
    }

    std::optional<std::uint64_t> publish(const std::string& topic, const std::string& payload,
                                         int /*qos: always 1*/) override {
        std::optional<std::uint64_t> ticket;
        bool first = false;
        {
            std::lock_guard lock(mutex_);
            if (!client_ || !client_->connected()) return std::nullopt;
            // Queued, not written: the I/O thread writes all that came since
            // it last looked in one go, and is woken once for them.
            const std::uint16_t id = client_->publish(topic, payload, false);
            if (id == 0) return std::nullopt;
            ticket = ++last_ticket_;
            tickets_[id] = *ticket;
            first = !queued_;
            queued_ = true;
        }
        if (first) wake();
        return ticket;
    }

    void disconnect(std::chrono::milliseconds timeout) override {
        std::lock_guard lock(mutex_);
        end_connection(timeout.count());
    }

  private:
    void wake() {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    }

    // DISCONNECT (best effort) and close; publishes still waiting for their
    // PUBACK are handed back, to be sent again on the next connection.
    void end_connection(std::int64_t linger_ms = 0) {
        if (!client_) return;
        client_->stop(linger_ms);
        client_.reset();
        return_unanswered();
    }

    void return_unanswered() {
        subscriptions_.clear();
        for (const auto& [id, ticket] : tickets_) {
            MqttEvent e;
            e.type = MqttEvent::Type::publish_failed;
            e.ticket = ticket;
            e.return_code = -1;
            e.detail = "the connection ended before the broker acknowledged it";
            sink_(std::move(e));
        }
        tickets_.clear();
    }

    void loop() {
        for (;;) {
            pollfd fds[2] = {{-1, 0, 0}, {wake_fd_, POLLIN, 0}};
            int timeout = -1;
            std::uint64_t polled = 0;  // the connection whose socket is polled
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
                if (client_) {
                    polled = connection_;
                    fds[0] = {client_->fd(), client_->poll_events(), 0};
                    timeout = static_cast<int>(client_->wait_hint_ms(platform::monotonic_ms()));
                }
            }
            ::poll(fds, 2, timeout);
            if (fds[1].revents & POLLIN) {
                std::uint64_t counter = 0;
                [[maybe_unused]] auto n = ::read(wake_fd_, &counter, sizeof counter);
            }
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            queued_ = false;  // what is queued now goes out below
            if (!client_) continue;
            std::vector<mqtt::ClientEvent> out;
            const std::int64_t now = platform::monotonic_ms();
            // A connect() while we polled replaced the client: the revents are
            // of the old socket (whose fd number the new one may well reuse).
            if (polled == connection_ && fds[0].fd >= 0) client_->on_poll(fds[0].revents, now, out);
            client_->tick(now, out);
            deliver(out);
            // Publishes queued by the app and the acknowledgements of the
            // messages just delivered: one write for all of them.
            if (!client_) continue;
            out.clear();
            client_->send_queued(now, out);
            deliver(out);
        }
    }

    // Called with the lock held: the sink only enqueues.
    void deliver(std::vector<mqtt::ClientEvent>& events) {
        for (auto& e : events) {
            MqttEvent out;
            out.connection = connection_;
            out.detail = e.detail;
            out.reason_code = e.reason;
            switch (e.type) {
                case mqtt::ClientEvent::Type::connected:
                    out.type = MqttEvent::Type::connected;
                    out.receive_maximum = e.receive_maximum;
                    break;
                case mqtt::ClientEvent::Type::failed:
                case mqtt::ClientEvent::Type::lost:
                    // The supervisor decides about retries, not the client.
                    out.type = e.type == mqtt::ClientEvent::Type::failed
                                   ? MqttEvent::Type::connect_failed
                                   : MqttEvent::Type::connection_lost;
                    client_->stop();
                    sink_(std::move(out));
                    return_unanswered();
                    continue;
                case mqtt::ClientEvent::Type::message: {
                    const bool qos1 = e.message.qos == 1;
                    const std::uint16_t id = e.message.packet_id;
                    out.type = MqttEvent::Type::message;
                    out.topic = std::move(e.message.topic);
                    out.payload = std::move(e.message.payload);
                    sink_(std::move(out));
                    // Queued now, written with the rest of the batch.
                    if (qos1) client_->acknowledge(id, false);
                    continue;
                }
                case mqtt::ClientEvent::Type::acked: {
                    const auto it = tickets_.find(e.packet_id);
                    if (it == tickets_.end()) continue;
                    out.ticket = it->second;
                    out.connection = 0;  // known by its ticket
                    tickets_.erase(it);
                    out.type = e.reason >= 0x80 ? MqttEvent::Type::publish_failed
                                                : MqttEvent::Type::published;
                    break;
                }
                case mqtt::ClientEvent::Type::subscribed: {
                    const auto it = subscriptions_.find(e.packet_id);
                    if (it == subscriptions_.end()) continue;
                    out.topic = std::move(it->second);
                    subscriptions_.erase(it);
                    out.type = e.reason >= 0x80 ? MqttEvent::Type::subscribe_failed
                                                : MqttEvent::Type::subscribed;
                    break;
                }
            }
            sink_(std::move(out));
        }
    }

    EventSink sink_;
    int wake_fd_;
    std::mutex mutex_;
    std::unique_ptr<mqtt::MqttClient> client_;
    std::uint64_t connection_ = 0;
    std::uint64_t last_ticket_ = 0;
    std::map<std::uint16_t, std::uint64_t> tickets_;      // packet id -> ticket, awaiting PUBACK
    std::map<std::uint16_t, std::string> subscriptions_;  // packet id -> filter, awaiting SUBACK
    bool queued_ = false;  // publishes wait for the I/O thread, which was woken for them
    bool stopping_ = false;
    std::thread thread_;  // last: it starts once the rest is there
};

// Picks the transport per connect by the URL's scheme, and numbers
// connections and tickets itself, so that a switch between the two (a token
// answer naming another broker) cannot make one's events pass for the other's.
// The inner transports are called without our lock (they call back into us
// holding theirs); an event that comes before its number is known (a connect
// failing at once) waits for it.
class SchemeTransport final : public MqttTransport {
  public:
    explicit SchemeTransport(EventSink sink) : sink_(std::move(sink)) {}

    std::uint64_t connect(const ConnectSettings& settings) override {
        Inner& inner = settings.url.scheme == BrokerUrl::Scheme::mqtt ? native_ : paho_;
        if (active_ && active_ != &inner) active_->transport->disconnect(std::chrono::seconds(0));
        if (!inner.transport) inner.transport = make(inner, settings.url.scheme);
        active_ = &inner;
        const std::uint64_t number = inner.transport->connect(settings);
        std::lock_guard lock(mutex_);
        const std::uint64_t outer = ++connection_;
        inner.connections[number] = outer;
        replay(inner);
        return outer;
    }

    void subscribe(const std::string& topic, int qos) override {
        if (active_) return active_->transport->subscribe(topic, qos);
        std::lock_guard lock(mutex_);  // never connected: nothing to subscribe on
        sink_(not_subscribed(topic, connection_));
    }
    void unsubscribe(const std::string& topic) override {
        if (active_) active_->transport->unsubscribe(topic);
    }

    std::optional<std::uint64_t> publish(const std::string& topic, const std::string& payload,
                                         int qos) override {
        if (!active_) return std::nullopt;
        const auto ticket = active_->transport->publish(topic, payload, qos);
        if (!ticket) return std::nullopt;
        std::lock_guard lock(mutex_);
        const std::uint64_t outer = ++last_ticket_;
        active_->tickets[*ticket] = outer;
        replay(*active_);
        return outer;
    }

    void disconnect(std::chrono::milliseconds timeout) override {
        if (active_) active_->transport->disconnect(timeout);
    }

  private:
    struct Inner {
        std::unique_ptr<MqttTransport> transport;
        std::map<std::uint64_t, std::uint64_t> connections;  // inner number -> ours
        std::map<std::uint64_t, std::uint64_t> tickets;      // inner ticket -> ours
        std::vector<MqttEvent> waiting;                      // their number not known yet
    };

    static bool has_ticket(const MqttEvent& e) {
        return e.type == MqttEvent::Type::published || e.type == MqttEvent::Type::publish_failed;
    }

    // With the lock held: false when the event must wait for its number.
    bool forward(Inner& inner, MqttEvent& e) {
        if (has_ticket(e)) {
            const auto it = inner.tickets.find(e.ticket);
            if (it == inner.tickets.end()) return false;
            e.ticket = it->second;
            inner.tickets.erase(it);
        } else {
            const auto it = inner.connections.find(e.connection);
            if (it == inner.connections.end()) {
                // Numbers only grow: one below a number already known never
                // will be (an event of no connect() of ours): dropped.
                return !inner.connections.empty() &&
                       e.connection < inner.connections.rbegin()->first;
            }
            e.connection = it->second;
        }
        sink_(std::move(e));
        return true;
    }

    void replay(Inner& inner) {
        auto waiting = std::move(inner.waiting);
        inner.waiting.clear();
        for (auto& e : waiting)
            if (!forward(inner, e)) inner.waiting.push_back(std::move(e));
    }

    std::unique_ptr<MqttTransport> make(Inner& inner, BrokerUrl::Scheme scheme) {
        EventSink renumbered = [this, &inner](MqttEvent e) {
            std::lock_guard lock(mutex_);
            if (!forward(inner, e)) inner.waiting.push_back(std::move(e));
        };
        if (scheme == BrokerUrl::Scheme::mqtt)
            return std::make_unique<NativeTransport>(std::move(renumbered));
        return make_paho_transport(std::move(renumbered));
    }

    EventSink sink_;
    std::mutex mutex_;  // the maps, the waiting events and the counters
    Inner native_;
    Inner paho_;
    Inner* active_ = nullptr;
    std::uint64_t connection_ = 0;
    std::uint64_t last_ticket_ = 0;
};

}  // namespace

std::unique_ptr<MqttTransport> make_transport(EventSink sink) {
    return std::make_unique<SchemeTransport>(std::move(sink));
}

}  // namespace mqchat::transport
