// The fake broker connection: call records, scripted and automatic answers.
#include "support/fake_transport.hpp"

#include <algorithm>

namespace mqchat::fakes {

using transport::MqttEvent;

namespace {

MqttEvent event_of(MqttEvent::Type type, std::uint64_t connection) {
    MqttEvent e;
    e.type = type;
    e.connection = connection;
    return e;
}

}  // namespace

// --- the transport the app holds -------------------------------------------

FakeTransport::FakeTransport(FakeBroker& broker, transport::EventSink sink) : broker_(broker) {
    broker_.attach(std::move(sink));
}

// The app's event queue dies with it: no event may reach the sink afterwards.
FakeTransport::~FakeTransport() {
    broker_.detach();
}

std::uint64_t FakeTransport::connect(const transport::ConnectSettings& settings) {
    return broker_.on_connect(settings);
}

void FakeTransport::subscribe(const std::string& topic, int qos) {
    broker_.on_subscribe(topic, qos);
}

void FakeTransport::unsubscribe(const std::string& topic) {
    broker_.on_unsubscribe(topic);
}

std::optional<std::uint64_t> FakeTransport::publish(const std::string& topic,
                                                    const std::string& payload, int qos) {
    return broker_.on_publish(topic, payload, qos);
}

void FakeTransport::disconnect(std::chrono::milliseconds) {
    broker_.on_disconnect();
}

// --- the broker side --------------------------------------------------------

app::TransportFactory FakeBroker::factory() {
    return [this](transport::EventSink sink) -> std::unique_ptr<transport::MqttTransport> {
        return std::make_unique<FakeTransport>(*this, std::move(sink));
    };
}

void FakeBroker::attach(transport::EventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    ++transports_made_;
    changed_.notify_all();
}

void FakeBroker::detach() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
    connected_ = false;
    changed_.notify_all();
}

// The sink only enqueues, so calling it with our lock held cannot deadlock,
// and it makes detach() a barrier: no event is delivered after it.
void FakeBroker::send_locked(MqttEvent event) {
    if (event.type == MqttEvent::Type::connected) connected_ = true;
    if (event.type == MqttEvent::Type::connect_failed ||
        event.type == MqttEvent::Type::connection_lost) {
        connected_ = false;
        unacked_.clear();  // a clean session: those tickets can never be answered now
    }
    if (sink_) sink_(std::move(event));
    changed_.notify_all();
}

void FakeBroker::settle_locked(std::uint64_t ticket) {
    unacked_.erase(std::remove(unacked_.begin(), unacked_.end(), ticket), unacked_.end());
}

std::uint64_t FakeBroker::on_connect(const transport::ConnectSettings& settings) {
    std::lock_guard lock(mutex_);
    const std::uint64_t number = ++connection_;
    connected_ = false;
    unacked_.clear();
    connects_.push_back({settings, number});
    if (auto_connack_) {
        MqttEvent e = event_of(MqttEvent::Type::connected, number);
        e.receive_maximum = auto_receive_maximum_;
        send_locked(std::move(e));
    }
    changed_.notify_all();
    return number;
}

void FakeBroker::on_subscribe(const std::string& topic, int qos) {
    std::lock_guard lock(mutex_);
    subscribes_.push_back({topic, qos, connection_});
    if (auto_suback_) {
        MqttEvent e = event_of(MqttEvent::Type::subscribed, connection_);
        e.topic = topic;
        send_locked(std::move(e));
    }
    changed_.notify_all();
}

void FakeBroker::on_unsubscribe(const std::string& topic) {
    std::lock_guard lock(mutex_);
    unsubscribes_.push_back(topic);
    changed_.notify_all();
}

std::optional<std::uint64_t> FakeBroker::on_publish(const std::string& topic,
                                                    const std::string& payload, int qos) {
    std::lock_guard lock(mutex_);
    if (!connected_) return std::nullopt;
    const std::uint64_t ticket = next_ticket_++;
    publishes_.push_back({topic, payload, qos, ticket, connection_});
    unacked_.push_back(ticket);
    if (auto_puback_) {
        settle_locked(ticket);
        MqttEvent e = event_of(MqttEvent::Type::published, 0);  // acks: by ticket, as Paho's
        e.ticket = ticket;
        send_locked(std::move(e));
    }
    if (echo_) {
        MqttEvent e = event_of(MqttEvent::Type::message, connection_);
        e.topic = topic;
        e.payload = payload;
        send_locked(std::move(e));
    }
    changed_.notify_all();
    return ticket;
}

void FakeBroker::on_disconnect() {
    std::lock_guard lock(mutex_);
    ++disconnects_;
    connected_ = false;
    unacked_.clear();
    changed_.notify_all();
}

// --- automatic answers --------------------------------------------------------

void FakeBroker::set_auto_connack(bool on, int receive_maximum) {
    std::lock_guard lock(mutex_);
    auto_connack_ = on;
    auto_receive_maximum_ = receive_maximum;
}

void FakeBroker::set_auto_suback(bool on) {
    std::lock_guard lock(mutex_);
    auto_suback_ = on;
}

void FakeBroker::set_auto_puback(bool on) {
    std::lock_guard lock(mutex_);
    auto_puback_ = on;
}

void FakeBroker::set_echo(bool on) {
    std::lock_guard lock(mutex_);
    echo_ = on;
}

// --- scripted events ------------------------------------------------------------

void FakeBroker::connack(int receive_maximum) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::connected, connection_);
    e.receive_maximum = receive_maximum;
    send_locked(std::move(e));
}

void FakeBroker::refuse_connect(int reason_code) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::connect_failed, connection_);
    e.reason_code = reason_code;
    send_locked(std::move(e));
}

void FakeBroker::fail_connect(int return_code, const std::string& detail) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::connect_failed, connection_);
    e.return_code = return_code;
    e.detail = detail;
    send_locked(std::move(e));
}

void FakeBroker::lose_connection(int reason_code, const std::string& detail) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::connection_lost, connection_);
    e.reason_code = reason_code;
    e.detail = detail;
    send_locked(std::move(e));
}

void FakeBroker::deliver(const std::string& topic, const std::string& payload) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::message, connection_);
    e.topic = topic;
    e.payload = payload;
    send_locked(std::move(e));
}

void FakeBroker::puback(std::uint64_t ticket, int reason_code) {
    std::lock_guard lock(mutex_);
    settle_locked(ticket);
    const auto type =
        reason_code >= 0x80 ? MqttEvent::Type::publish_failed : MqttEvent::Type::published;
    // The real transport knows an ack by its ticket only (connection 0).
    MqttEvent e = event_of(type, 0);
    e.ticket = ticket;
    e.reason_code = reason_code;
    send_locked(std::move(e));
}

void FakeBroker::publish_lost(std::uint64_t ticket, int return_code) {
    std::lock_guard lock(mutex_);
    settle_locked(ticket);
    MqttEvent e = event_of(MqttEvent::Type::publish_failed, 0);
    e.ticket = ticket;
    e.return_code = return_code;
    e.detail = "the library lost it";
    send_locked(std::move(e));
}

void FakeBroker::suback(const std::string& topic) {
    std::lock_guard lock(mutex_);
    MqttEvent e = event_of(MqttEvent::Type::subscribed, connection_);
    e.topic = topic;
    send_locked(std::move(e));
}

void FakeBroker::push(MqttEvent event) {
    std::lock_guard lock(mutex_);
    send_locked(std::move(event));
}

// --- records -------------------------------------------------------------------

std::vector<ConnectCall> FakeBroker::connects() const {
    std::lock_guard lock(mutex_);
    return connects_;
}

std::vector<PublishCall> FakeBroker::publishes() const {
    std::lock_guard lock(mutex_);
    return publishes_;
}

std::vector<SubscribeCall> FakeBroker::subscribes() const {
    std::lock_guard lock(mutex_);
    return subscribes_;
}

std::vector<std::string> FakeBroker::unsubscribes() const {
    std::lock_guard lock(mutex_);
    return unsubscribes_;
}

std::size_t FakeBroker::disconnects() const {
    std::lock_guard lock(mutex_);
    return disconnects_;
}

std::size_t FakeBroker::transports_made() const {
    std::lock_guard lock(mutex_);
    return transports_made_;
}

std::uint64_t FakeBroker::connection() const {
    std::lock_guard lock(mutex_);
    return connection_;
}

bool FakeBroker::is_connected() const {
    std::lock_guard lock(mutex_);
    return connected_;
}

std::vector<PublishCall> FakeBroker::unacked() const {
    std::lock_guard lock(mutex_);
    std::vector<PublishCall> out;
    for (const auto& p : publishes_)
        if (std::find(unacked_.begin(), unacked_.end(), p.ticket) != unacked_.end())
            out.push_back(p);
    return out;
}

bool FakeBroker::wait_until(const std::function<bool()>& ready,
                            std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
}

}  // namespace mqchat::fakes
