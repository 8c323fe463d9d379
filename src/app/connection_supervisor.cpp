// The connection supervisor's state machine (see connection_supervisor.hpp).
#include "connection_supervisor.hpp"

#include <algorithm>
#include <cmath>

#include "core/exit_code.hpp"
#include "core/room_name.hpp"
#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

using transport::MqttEvent;

// CONNACK reasons that say "not now": the broker is starting, overloaded, or
// mqchatd's front holds connections back until its archiver is subscribed.
bool temporary_refusal(int code) {
    return code == 0x88 || code == 0x89 || code == 0x97 || code == 0x9F;
}

bool credentials_refused(int code) {
    return code == 0x86 || code == 0x87;
}

}  // namespace

SupervisorClock SupervisorClock::system() {
    SupervisorClock c;
    c.monotonic_ms = platform::monotonic_ms;
    c.wall_ms = platform::now_ms;
    c.uniform01 = [] {
        std::uint8_t bytes[4];
        platform::random_bytes(bytes, sizeof bytes);
        const std::uint32_t v = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                (std::uint32_t{bytes[2]} << 8) | bytes[3];
        return static_cast<double>(v) / 4294967296.0;
    };
    return c;
}

ConnectionSupervisor::ConnectionSupervisor(SupervisorSettings settings, TransportFactory factory,
                                           TokenSource& tokens, SupervisorClock clock)
    : settings_(std::move(settings)), tokens_(tokens), clock_(std::move(clock)) {
    transport_ = factory([this](MqttEvent e) { queue_.push(std::move(e)); });
}

ConnectionSupervisor::~ConnectionSupervisor() {
    close();
}

void ConnectionSupervisor::start(std::vector<std::string> rooms) {
    rooms_ = std::move(rooms);
    state_ = State::fetching;
    request_credentials();
}

void ConnectionSupervisor::join(const std::string& room) {
    if (std::find(rooms_.begin(), rooms_.end(), room) != rooms_.end()) return;
    rooms_.push_back(room);
    if (state_ == State::stopped || state_ == State::idle) return;
    request_credentials();  // a token whose ACL covers the new room; then a switch
}

void ConnectionSupervisor::part(const std::string& room) {
    const auto it = std::find(rooms_.begin(), rooms_.end(), room);
    if (it == rooms_.end()) return;
    rooms_.erase(it);
    // The token keeps covering the room until the next one, which leaves it
    // out; reconnecting only for that is not worth it.
    if (state_ == State::connected && settings_.subscribe)
        transport_->unsubscribe(room_topic(room));
}

void ConnectionSupervisor::request_credentials() {
    if (fetch_out_) {
        fetch_again_ = true;
        return;
    }
    fetch_out_ = true;
    refresh_at_ms_ = 0;  // asked for; set again by the answer
    tokens_.fetch(rooms_, [this](CredentialResult result) { on_credentials(std::move(result)); });
}

void ConnectionSupervisor::on_credentials(CredentialResult result) {
    fetch_out_ = false;
    if (state_ == State::stopped) return;
    if (auto* err = std::get_if<ApiError>(&result)) {
        // Before the first connection, or when the server says the session
        // is gone, there is nothing to go on with.
        if (err->unauthorized || !have_access_)
            return fatal(err->exit_code, err->stage, err->cause);
        refresh_at_ms_ = clock_.wall_ms() + settings_.refresh_retry_ms;
        emit(LinkEvent(LinkEvent::Kind::notice,
                       "token: " + err->cause + "; trying again in " +
                           std::to_string(settings_.refresh_retry_ms / 1000) + " s"));
        if (state_ == State::fetching) schedule_retry("no new token: " + err->cause, 0);
        return;
    }
    access_ = std::get<BrokerAccess>(std::move(result));
    have_access_ = true;
    if (client_id_.empty()) client_id_ = access_.client_id;
    url_text_ = access_.url.to_string();
    refresh_at_ms_ = access_.refresh_at_ms;
    if (access_.expires_at_ms != 0) {
        LinkEvent e(LinkEvent::Kind::token);
        e.at_ms = access_.expires_at_ms;
        emit(std::move(e));
    }
    if (fetch_again_) {
        fetch_again_ = false;
        request_credentials();
    }
    switch (state_) {
        case State::fetching:
            connect_now();
            break;
        case State::connected:
        case State::connecting:
            // Switch once the acks in flight are in, so nothing is sent twice.
            pending_switch_ = true;
            switch_deadline_ms_ = clock_.monotonic_ms() + settings_.switch_grace_ms;
            maybe_switch();
            break;
        default:  // waiting: the next attempt uses them
            break;
    }
}

void ConnectionSupervisor::connect_now() {
    transport::ConnectSettings s;
    s.url = access_.url;
    s.client_id = client_id_;
    s.username = access_.username;
    s.password = access_.password;
    s.keep_alive = settings_.keep_alive;
    s.connect_timeout = settings_.connect_timeout;
    s.cafile = settings_.cafile;
    s.insecure = settings_.insecure;
    state_ = State::connecting;
    in_flight_.clear();
    connection_ = transport_->connect(s);
}

void ConnectionSupervisor::on_transport_ready(std::size_t max_events) {
    std::vector<MqttEvent> batch;
    queue_.drain(batch);
    for (auto& e : batch)
        backlog_.push_back(std::move(e));
    for (std::size_t n = 0; n < max_events && !backlog_.empty(); ++n) {
        const MqttEvent e = std::move(backlog_.front());
        backlog_.pop_front();
        handle(e);
    }
}

void ConnectionSupervisor::handle(const MqttEvent& e) {
    if (state_ == State::stopped) return;
    if (e.type == MqttEvent::Type::published || e.type == MqttEvent::Type::publish_failed)
        return on_publish_result(e);
    if (e.connection != connection_) return;  // from a connection we already left
    // After its loss a connection says nothing more that counts: a message
    // or SUBACK queued behind the loss would be taken for the next
    // connection's, and a reader would treat the gap as joined.
    const bool live = state_ == State::connected;
    switch (e.type) {
        case MqttEvent::Type::connected:
            return on_connected(e);
        case MqttEvent::Type::connect_failed:
            return on_connect_failed(e);
        case MqttEvent::Type::connection_lost:
            return on_lost(e);
        case MqttEvent::Type::subscribed:
        case MqttEvent::Type::subscribe_failed: {
            if (!live) return;
            const auto room = room_of_topic(e.topic);
            if (!room || std::find(rooms_.begin(), rooms_.end(), *room) == rooms_.end()) return;
            LinkEvent out(e.type == MqttEvent::Type::subscribed
                              ? LinkEvent::Kind::subscribed
                              : LinkEvent::Kind::subscribe_refused);
            out.room = *room;
            out.reason_code = e.reason_code;
            if (e.type == MqttEvent::Type::subscribe_failed) out.text = refusal_text(e);
            return emit(std::move(out));
        }
        case MqttEvent::Type::message: {
            const auto room = room_of_topic(e.topic);
            if (!live || !room) return;
            LinkEvent out(LinkEvent::Kind::message);
            out.room = *room;
            out.payload = e.payload;
            return emit(std::move(out));
        }
        default:
            return;
    }
}

void ConnectionSupervisor::on_publish_result(const MqttEvent& e) {
    // By ticket: a late ack of a publish made on the connection before must
    // not let a token switch start while one of this connection's waits.
    in_flight_.erase(e.ticket);
    LinkEvent out(LinkEvent::Kind::acknowledged);
    out.ticket = e.ticket;
    out.reason_code = e.reason_code;
    if (e.type == MqttEvent::Type::publish_failed) {
        // A reason code is the broker's answer; without one the library lost it.
        out.kind = e.reason_code >= 0x80 ? LinkEvent::Kind::refused : LinkEvent::Kind::returned;
        out.text = refusal_text(e);
    }
    emit(std::move(out));
    maybe_switch();
}

void ConnectionSupervisor::on_connected(const MqttEvent& e) {
    state_ = State::connected;
    connected_at_ms_ = clock_.monotonic_ms();
    renewed_after_refusal_ = false;
    last_failure_.clear();
    receive_maximum_ = std::max(1, e.receive_maximum);
    if (settings_.subscribe)
        for (const auto& room : rooms_)
            transport_->subscribe(room_topic(room), settings_.qos);
    LinkEvent out(LinkEvent::Kind::connected);
    out.first = !ever_connected_;
    ever_connected_ = true;
    emit(std::move(out));
    maybe_switch();
}

std::string ConnectionSupervisor::refusal_text(const MqttEvent& e) const {
    if (e.reason_code >= 0x80) return transport::reason_text(e.reason_code);
    if (!e.detail.empty()) return e.detail;
    return "library error " + std::to_string(e.return_code);
}

void ConnectionSupervisor::on_connect_failed(const MqttEvent& e) {
    const int code = e.reason_code;
    const std::string refused = "broker " + url_text_ + " refused the connection: ";
    if (credentials_refused(code)) {
        // Perhaps only the token was stale: one new token, then give up.
        if (tokens_.has_server() && !renewed_after_refusal_) {
            renewed_after_refusal_ = true;
            state_ = State::fetching;
            return request_credentials();
        }
        return fatal(to_int(ExitCode::broker_failed), "broker",
                     refused + transport::reason_text(code));
    }
    if (code >= 0x80 && !temporary_refusal(code))
        return fatal(to_int(ExitCode::broker_failed), "broker",
                     refused + transport::reason_text(code));
    if (temporary_refusal(code)) {
        last_failure_ = refused + transport::reason_text(code);
        return schedule_retry(last_failure_, code);
    }
    const std::string cause =
        "cannot connect to " + url_text_ + ": " +
        transport::diagnose_connect_failure(access_.url, std::chrono::milliseconds(2000));
    if (!ever_connected_) return fatal(to_int(ExitCode::broker_failed), "broker", cause);
    last_failure_ = cause;
    schedule_retry(cause, code);
}

void ConnectionSupervisor::on_lost(const MqttEvent& e) {
    const bool stable = clock_.monotonic_ms() - connected_at_ms_ >= settings_.stable_after_ms;
    if (stable) attempts_ = 0;
    in_flight_.clear();
    const std::string why = refusal_text(e);
    const std::string text = "connection to " + url_text_ + " lost (" + why + ")";
    LinkEvent out(LinkEvent::Kind::lost, text);
    out.reason_code = e.reason_code;
    emit(std::move(out));
    schedule_retry(text, e.reason_code);  // not out.text: moved away just above
}

void ConnectionSupervisor::schedule_retry(const std::string& why, int reason_code) {
    ++attempts_;
    const double exponent = std::min(attempts_ - 1, 16);
    auto base = static_cast<std::int64_t>(static_cast<double>(settings_.first_backoff_ms) *
                                          std::pow(2.0, exponent));
    base = std::min(base, settings_.max_backoff_ms);
    if (reason_code == 0x89 || reason_code == 0x97 || reason_code == 0x9F)
        base = std::max(base, settings_.busy_backoff_ms);
    if (reason_code == 0x88) base = std::min(base, settings_.unavailable_backoff_ms);
    // "Equal jitter": between half the step and the whole step, so that many
    // clients dropped together do not come back together.
    const auto delay =
        base / 2 + static_cast<std::int64_t>(clock_.uniform01() * static_cast<double>(base / 2));
    retry_at_ms_ = clock_.monotonic_ms() + delay;
    state_ = State::waiting;
    LinkEvent out(LinkEvent::Kind::retrying);
    out.at_ms = clock_.wall_ms() + delay;
    out.text = why;
    out.reason_code = reason_code;
    emit(std::move(out));
}

bool ConnectionSupervisor::token_due() const {
    return tokens_.has_server() && refresh_at_ms_ != 0 && clock_.wall_ms() >= refresh_at_ms_;
}

void ConnectionSupervisor::retry_now() {
    // An expired token would only be refused: fetch a new one first.
    if (tokens_.has_server() && access_.expires_at_ms != 0 &&
        clock_.wall_ms() >= access_.expires_at_ms) {
        state_ = State::fetching;
        return request_credentials();
    }
    connect_now();
}

void ConnectionSupervisor::maybe_switch() {
    if (!pending_switch_ || state_ != State::connected) return;
    if (!in_flight_.empty() && clock_.monotonic_ms() < switch_deadline_ms_) return;
    pending_switch_ = false;
    transport_->disconnect(std::chrono::milliseconds(500));
    LinkEvent out(LinkEvent::Kind::lost);
    out.planned = true;
    out.text = "reconnecting with a new token";
    emit(std::move(out));
    connect_now();
}

void ConnectionSupervisor::tick() {
    if (state_ == State::stopped || state_ == State::idle) return;
    const std::int64_t now = clock_.monotonic_ms();
    if (state_ == State::waiting && now >= retry_at_ms_) retry_now();
    if (token_due() && !fetch_out_) request_credentials();
    maybe_switch();
}

std::optional<std::int64_t> ConnectionSupervisor::next_deadline_ms() const {
    if (state_ == State::stopped || state_ == State::idle) return std::nullopt;
    std::optional<std::int64_t> next;
    const auto consider = [&next](std::int64_t t) {
        if (!next || t < *next) next = t;
    };
    const std::int64_t now = clock_.monotonic_ms();
    if (state_ == State::waiting) consider(retry_at_ms_);
    if (pending_switch_) consider(switch_deadline_ms_);
    if (tokens_.has_server() && refresh_at_ms_ != 0 && !fetch_out_)
        consider(now + std::max<std::int64_t>(0, refresh_at_ms_ - clock_.wall_ms()));
    return next;
}

std::optional<std::uint64_t> ConnectionSupervisor::publish(const std::string& room,
                                                           const std::string& payload) {
    if (!can_publish()) return std::nullopt;
    const auto ticket = transport_->publish(room_topic(room), payload, 1);
    if (ticket) in_flight_.insert(*ticket);
    return ticket;
}

std::size_t ConnectionSupervisor::publish_window() const {
    constexpr int kMaxWindow = 32;
    return static_cast<std::size_t>(std::clamp(receive_maximum_, 1, kMaxWindow));
}

bool ConnectionSupervisor::can_publish() const {
    return state_ == State::connected && !pending_switch_;
}

std::vector<LinkEvent> ConnectionSupervisor::take_events() {
    std::vector<LinkEvent> out;
    out.swap(events_);
    return out;
}

void ConnectionSupervisor::fatal(int exit_code, const std::string& stage, const std::string& text) {
    state_ = State::stopped;
    LinkEvent out(LinkEvent::Kind::fatal);
    out.exit_code = exit_code;
    out.stage = stage;
    out.text = text;
    emit(std::move(out));
}

void ConnectionSupervisor::close() {
    if (!transport_) return;
    if (state_ != State::idle) transport_->disconnect(std::chrono::milliseconds(1000));
    state_ = State::stopped;
}

}  // namespace mqchat::app
