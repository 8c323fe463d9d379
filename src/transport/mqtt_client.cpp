// Sockets, timers and the connection state machine of mqchat's own MQTT client.
#include "mqtt_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/broker_url.hpp"
#include "platform/environment.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::mqtt {
namespace {

constexpr std::string_view kUnixPrefix = "unix:";
constexpr std::size_t kReadChunk = 64 * 1024;
// Bytes read per on_poll(): the rest waits for the next pass, so a flood
// cannot keep the loop from its other work.
constexpr std::size_t kReadBudget = 4 * 1024 * 1024;

std::string errno_text(int error) {
    return std::strerror(error);
}

std::string reason_detail(std::uint8_t reason, const std::string& reason_string) {
    std::string text = transport::reason_text(reason);
    if (!reason_string.empty()) text += " (" + reason_string + ")";
    return text;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

BrokerTarget BrokerTarget::tcp(std::string host, int port) {
    BrokerTarget t;
    t.host = std::move(host);
    t.port = port;
    return t;
}

BrokerTarget BrokerTarget::unix_socket(std::string path) {
    BrokerTarget t;
    t.unix_path = std::move(path);
    return t;
}

std::string BrokerTarget::to_string() const {
    if (!unix_path.empty()) return std::string(kUnixPrefix) + unix_path;
    const bool v6 = host.find(':') != std::string::npos;
    return "mqtt://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

BrokerTargetResult parse_broker_target(std::string_view text) {
    if (text.starts_with(kUnixPrefix)) {
        const std::string path(text.substr(kUnixPrefix.size()));
        if (path.empty()) return {std::nullopt, "unix: needs a socket path"};
        if (path.size() >= sizeof(sockaddr_un{}.sun_path))
            return {std::nullopt, "the unix socket path is longer than " +
                                      std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                      " bytes"};
        return {BrokerTarget::unix_socket(path), {}};
    }
    const auto parsed = parse_broker_url(text);
    if (!parsed.url) return {std::nullopt, parsed.problem};
    if (parsed.url->scheme != BrokerUrl::Scheme::mqtt)
        return {std::nullopt, "mqchatd connects to a broker over mqtt:// only (" +
                                  parsed.url->to_string() +
                                  ": TLS and WebSockets are not supported for its own connection)"};
    return {BrokerTarget::tcp(parsed.url->host, parsed.url->port), {}};
}

MqttClient::MqttClient(MqttClientSettings settings)
    : settings_(std::move(settings)), backoff_ms_(settings_.first_backoff_ms) {
    settings_.connect.maximum_packet_size = static_cast<std::uint32_t>(settings_.max_packet_size);
}

MqttClient::~MqttClient() {
    close_fd(fd_);
}

void MqttClient::start(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    now_ms_ = now_ms;
    state_ = State::idle;
    attempt(now_ms, out);
}

void MqttClient::stop(std::int64_t linger_ms) {
    if (state_ == State::connected) {
        send(mqtt::encode_disconnect());
        const std::int64_t until = platform::monotonic_ms() + linger_ms;
        while (flush() && !out_.empty()) {
            const std::int64_t left = until - platform::monotonic_ms();
            if (left <= 0) break;
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        }
    }
    close_fd(fd_);
    state_ = State::stopped;
    retry_at_ = -1;
}

short MqttClient::poll_events() const {
    if (fd_ < 0) return 0;
    if (state_ == State::connecting) return POLLOUT;
    return static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT));
}

std::int64_t MqttClient::keepalive_ms() const {
    const std::uint16_t s =
        server_keepalive_s_ ? server_keepalive_s_ : settings_.connect.keepalive_s;
    return std::int64_t{s} * 1000;
}

// Opens the socket and starts the non-blocking connect. False (with why)
// when it failed at once.
bool MqttClient::open_socket(std::string& problem) {
    const auto& t = settings_.target;
    int rc = -1;
    if (!t.unix_path.empty()) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return problem = errno_text(errno), false;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, t.unix_path.c_str(), t.unix_path.size() + 1);
        rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } else {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (const int e =
                ::getaddrinfo(t.host.c_str(), std::to_string(t.port).c_str(), &hints, &found);
            e != 0)
            return problem = ::gai_strerror(e), false;
        fd_ = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       found->ai_protocol);
        if (fd_ >= 0) {
            const int one = 1;
            ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // acks go out at once
            rc = ::connect(fd_, found->ai_addr, found->ai_addrlen);
        }
        const int saved = errno;
        ::freeaddrinfo(found);
        errno = saved;
        if (fd_ < 0) return problem = errno_text(errno), false;
    }
    if (rc == 0 || errno == EINPROGRESS) return true;
    problem = errno_text(errno);
    close_fd(fd_);
    return false;
}

void MqttClient::attempt(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    retry_at_ = -1;
    in_.clear();
    out_.clear();
    outstanding_.clear();
    server_keepalive_s_ = 0;
    attempt_deadline_ = now_ms + settings_.connect_timeout_ms;
    std::string problem;
    if (!open_socket(problem)) {
        drop("cannot connect to " + settings_.target.to_string() + ": " + problem, now_ms, out);
        return;
    }
    state_ = State::connecting;
}

// The socket is connected: CONNECT goes first.
void MqttClient::socket_connected(std::int64_t now_ms) {
    state_ = State::handshaking;
    last_rx_ = now_ms;
    last_tx_ = now_ms;
    send(mqtt::encode_connect(settings_.connect));
}

void MqttClient::drop(std::string why, std::int64_t now_ms, std::vector<ClientEvent>& out,
                      std::uint8_t reason) {
    const bool was_connected = state_ == State::connected;
    close_fd(fd_);
    in_.clear();
    out_.clear();
    outstanding_.clear();
    if (state_ == State::stopped) return;
    state_ = State::idle;
    retry_at_ = now_ms + backoff_ms_;
    backoff_ms_ = std::min(backoff_ms_ * 2, settings_.max_backoff_ms);
    ClientEvent e;
    e.type = was_connected ? ClientEvent::Type::lost : ClientEvent::Type::failed;
    e.detail = std::move(why);
    e.reason = reason;
    out.push_back(std::move(e));
}

void MqttClient::on_poll(short revents, std::int64_t now_ms, std::vector<ClientEvent>& out) {
    now_ms_ = now_ms;
    if (fd_ < 0 || revents == 0) return;
    if (state_ == State::connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
        if (error != 0) {
            drop("cannot connect to " + settings_.target.to_string() + ": " + errno_text(error),
                 now_ms, out);
            return;
        }
        socket_connected(now_ms);
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) read_available(now_ms, out);
    if (fd_ >= 0 && !flush()) drop("cannot write to the broker: " + write_error_, now_ms, out);
}

void MqttClient::read_available(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    std::size_t total = 0;
    char chunk[kReadChunk];
    while (total < kReadBudget) {
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            in_.append(chunk, static_cast<std::size_t>(n));
            total += static_cast<std::size_t>(n);
            last_rx_ = now_ms;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // EOF or an error: what was read before still counts (a DISCONNECT's reason).
        handle_frames(now_ms, out);
        if (fd_ >= 0)
            drop(n == 0 ? "the broker closed the connection"
                        : "connection to the broker failed: " + errno_text(errno),
                 now_ms, out);
        return;
    }
    handle_frames(now_ms, out);
}

void MqttClient::handle_frames(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    std::size_t used = 0;
    while (fd_ >= 0) {
        const auto next =
            mqtt::next_frame(std::string_view(in_).substr(used), settings_.max_packet_size);
        if (!next.problem.empty()) {
            send(mqtt::encode_disconnect(0x81));  // malformed packet
            flush();
            drop("malformed data from the broker: " + next.problem, now_ms, out);
            return;
        }
        if (!next.frame) break;
        auto decoded = mqtt::decode(*next.frame);
        used += next.frame->size;
        if (!decoded.packet) {
            send(mqtt::encode_disconnect(0x81));
            flush();
            drop("malformed packet from the broker: " + decoded.problem, now_ms, out);
            return;
        }
        if (!handle(std::move(*decoded.packet), now_ms, out)) return;
    }
    if (fd_ >= 0) in_.erase(0, used);
}

// False when the packet ended the connection.
bool MqttClient::handle(mqtt::Inbound packet, std::int64_t now_ms, std::vector<ClientEvent>& out) {
    if (auto* connack = std::get_if<mqtt::Connack>(&packet)) {
        if (state_ != State::handshaking) {
            drop("a second CONNACK from the broker", now_ms, out);
            return false;
        }
        if (connack->reason >= 0x80) {
            drop("the broker refused the connection: " +
                     reason_detail(connack->reason, connack->reason_string),
                 now_ms, out, connack->reason);
            return false;
        }
        state_ = State::connected;
        backoff_ms_ = settings_.first_backoff_ms;
        server_receive_maximum_ = connack->receive_maximum;
        server_keepalive_s_ = connack->server_keepalive.value_or(0);
        ClientEvent e;
        e.type = ClientEvent::Type::connected;
        e.session_present = connack->session_present;
        e.receive_maximum = connack->receive_maximum;
        out.push_back(std::move(e));
        return true;
    }
    if (state_ != State::connected) {
        drop("a packet from the broker before its CONNACK", now_ms, out);
        return false;
    }
    if (auto* publish = std::get_if<mqtt::Publish>(&packet)) {
        ClientEvent e;
        e.type = ClientEvent::Type::message;
        e.message = std::move(*publish);
        out.push_back(std::move(e));
    } else if (auto* ack = std::get_if<mqtt::Puback>(&packet)) {
        if (outstanding_.erase(ack->packet_id) == 0) return true;  // not ours (any more)
        ClientEvent e;
        e.type = ClientEvent::Type::acked;
        e.packet_id = ack->packet_id;
        e.reason = ack->reason;
        out.push_back(std::move(e));
    } else if (auto* suback = std::get_if<mqtt::Suback>(&packet)) {
        if (outstanding_.erase(suback->packet_id) == 0) return true;
        ClientEvent e;
        e.type = ClientEvent::Type::subscribed;
        e.packet_id = suback->packet_id;
        e.reason = suback->reasons.front();
        out.push_back(std::move(e));
    } else if (auto* unsuback = std::get_if<mqtt::Unsuback>(&packet)) {
        outstanding_.erase(unsuback->packet_id);  // nothing to report: the filter is gone
    } else if (auto* disconnect = std::get_if<mqtt::Disconnect>(&packet)) {
        drop("the broker disconnected: " +
                 reason_detail(disconnect->reason, disconnect->reason_string),
             now_ms, out, disconnect->reason);
        return false;
    }
    return true;  // PINGRESP: last_rx_ already says the link is alive
}

void MqttClient::tick(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    now_ms_ = now_ms;
    switch (state_) {
        case State::stopped:
            return;
        case State::idle:
            if (retry_at_ >= 0 && now_ms >= retry_at_) attempt(now_ms, out);
            return;
        case State::connecting:
        case State::handshaking:
            if (now_ms >= attempt_deadline_)
                drop("no CONNACK from " + settings_.target.to_string() + " within " +
                         std::to_string(settings_.connect_timeout_ms / 1000) + " s",
                     now_ms, out);
            return;
        case State::connected:
            break;
    }
    const std::int64_t keepalive = keepalive_ms();
    if (keepalive <= 0) return;
    // Nothing heard for 1.5 keepalive periods, although we ping every half
    // period: the link is dead (a half-open TCP connection, a hung broker).
    if (now_ms - last_rx_ >= keepalive * 3 / 2) {
        drop("no answer from the broker for " + std::to_string(keepalive * 3 / 2000) + " s", now_ms,
             out);
        return;
    }
    if (now_ms - last_tx_ >= keepalive / 2 || now_ms - last_rx_ >= keepalive / 2) {
        send(mqtt::encode_pingreq());
        if (!flush()) drop("cannot write to the broker: " + write_error_, now_ms, out);
    }
}

std::int64_t MqttClient::wait_hint_ms(std::int64_t now_ms) const {
    std::int64_t at = -1;
    switch (state_) {
        case State::stopped:
            return -1;
        case State::idle:
            at = retry_at_;
            break;
        case State::connecting:
        case State::handshaking:
            at = attempt_deadline_;
            break;
        case State::connected: {
            const std::int64_t keepalive = keepalive_ms();
            if (keepalive <= 0) return -1;
            at = std::min(
                {last_tx_ + keepalive / 2, last_rx_ + keepalive / 2, last_rx_ + keepalive * 3 / 2});
            break;
        }
    }
    return at < 0 ? -1 : std::max<std::int64_t>(0, at - now_ms);
}

void MqttClient::send(std::string bytes) {
    out_ += bytes;
}

// Writes what the socket takes now; false when it failed (write_error_ says why).
bool MqttClient::flush() {
    while (!out_.empty() && fd_ >= 0) {
        const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            out_.erase(0, static_cast<std::size_t>(n));
            last_tx_ = now_ms_;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        write_error_ = errno_text(errno);
        return false;
    }
    return true;
}

std::uint16_t MqttClient::next_packet_id() {
    // Skips ids still waiting for their answer (and 0, which is not an id).
    for (int tries = 0; tries < 65536; ++tries) {
        last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ + 1);
        if (last_packet_id_ != 0 && !outstanding_.contains(last_packet_id_)) break;
    }
    outstanding_.insert(last_packet_id_);
    return last_packet_id_;
}

std::uint16_t MqttClient::publish(std::string_view topic, std::string_view payload, bool now) {
    if (state_ != State::connected) return 0;
    mqtt::Publish p;
    p.topic = std::string(topic);
    p.payload = std::string(payload);
    p.qos = 1;
    p.packet_id = next_packet_id();
    send(mqtt::encode_publish(p));
    if (now) flush();
    return p.packet_id;
}

std::uint16_t MqttClient::subscribe(std::string_view filter, std::uint8_t qos) {
    if (state_ != State::connected) return 0;
    const std::uint16_t id = next_packet_id();
    send(mqtt::encode_subscribe(id, filter, qos));
    flush();
    return id;
}

std::uint16_t MqttClient::unsubscribe(std::string_view filter) {
    if (state_ != State::connected) return 0;
    const std::uint16_t id = next_packet_id();
    send(mqtt::encode_unsubscribe(id, filter));
    flush();
    return id;
}

void MqttClient::send_queued(std::int64_t now_ms, std::vector<ClientEvent>& out) {
    now_ms_ = now_ms;
    if (fd_ < 0 || state_ != State::connected) return;
    if (!flush()) drop("cannot write to the broker: " + write_error_, now_ms, out);
}

void MqttClient::acknowledge(std::uint16_t packet_id, bool now) {
    if (state_ != State::connected) return;
    send(mqtt::encode_puback(packet_id));
    if (now) flush();
}

}  // namespace mqchat::mqtt
