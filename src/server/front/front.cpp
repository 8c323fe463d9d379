// The front's I/O thread. Each client is a Link that goes through stages:
// (WebSocket handshake) -> CONNECT -> dialing the broker -> forwarding ->
// closing (flushing what is left). Sockets are edge-triggered; a Link
// remembers which of its sockets may still read or write, so epoll_ctl is
// called only when a socket comes and goes. Buffers are bounded per
// direction: a side whose peer buffer is full is not read (backpressure).
#include "front.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <vector>

#include "platform/environment.hpp"
#include "server/log.hpp"
#include "server/wire/http_request.hpp"
#include "server/wire/http_response.hpp"
#include "server/wire/mqtt_connect.hpp"
#include "server/wire/websocket.hpp"

namespace mqchat::server {
namespace {

enum class Kind { mqtt, websocket };

constexpr std::uint64_t kMqttListenerTag = 0;
constexpr std::uint64_t kWsListenerTag = 1;
constexpr std::uint64_t kFirstLinkId = 8;  // tags: id * 2 (client), id * 2 + 1 (broker)

constexpr std::size_t kBufferCap = 64 * 1024;  // per direction, once forwarding
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kControlSlack = 4 * 1024;      // pongs and close frames beyond kBufferCap
constexpr std::size_t kMaxRawWebSocket = 16 * 1024;  // undecoded frame bytes held
constexpr std::int64_t kSweepMs = 250;
constexpr std::int64_t kDialRetryMs = 20;  // the broker's listen queue was full
constexpr std::int64_t kDialDeadlineMs = 5000;
constexpr std::int64_t kFlushDeadlineMs = 5000;  // to hand over the last bytes when closing
constexpr int kRoundsPerTurn = 16;               // fairness: then the next ready link's turn

wire::HttpLimits handshake_limits() {
    wire::HttpLimits l;
    l.max_request_line = 4 * 1024;
    l.max_head = 8 * 1024;
    l.max_headers = 32;
    l.max_body = 0;
    return l;
}

enum class Stage { handshake, connect, dialing, forwarding, closing };

// Bytes on their way to one socket; `sent` of them are gone already.
struct Outbox {
    std::string data;
    std::size_t sent = 0;

    std::size_t pending() const { return data.size() - sent; }
    bool empty() const { return sent == data.size(); }
    void drop_sent() {
        if (sent == data.size()) {
            data.clear();
            sent = 0;
        } else if (sent > data.size() / 2) {
            data.erase(0, sent);
            sent = 0;
        }
    }
};

// What an edge-triggered socket may still do, as far as the link knows.
struct Readiness {
    bool readable = false;
    bool writable = true;
    bool eof = false;
    bool hangup = false;  // epoll reported the peer's FIN (EPOLLRDHUP)
};

struct Link {
    std::uint64_t id = 0;
    Kind kind = Kind::mqtt;
    Stage stage = Stage::connect;
    net::Fd client;
    net::Fd broker;
    net::Peer peer;
    std::int64_t deadline = 0;  // monotonic ms; 0: none
    std::int64_t dial_until = 0;
    std::int64_t dial_at = 0;  // dialing: the next attempt
    Readiness client_io;
    Readiness broker_io;
    bool failed = false;  // a socket error: close without flushing
    std::string raw;      // websocket: bytes not decoded yet (handshake, frames)
    wire::RequestHeadReader handshake{handshake_limits()};
    wire::WsDecoder frames;
    Outbox to_broker;  // MQTT bytes (the CONNECT first)
    Outbox to_client;  // MQTT bytes, or WebSocket frames
    int protocol_level = 4;
    bool upgrade_repeat_checked = false;  // see skip_repeated_upgrade
};

bool would_block(int error) {
    return error == EAGAIN || error == EWOULDBLOCK;
}

// Appends up to `want` bytes read from `fd` to `buf`. 0: nothing now (or
// end of stream, see `io.eof`); -1: a socket error. A short read drained the
// socket: the next arrival raises a new edge, so no read is spent on EAGAIN,
// unless the peer's FIN was reported (no edge would follow it).
ssize_t read_into(int fd, std::string& buf, std::size_t want, Readiness& io) {
    if (want == 0 || !io.readable || io.eof) return 0;
    const std::size_t base = buf.size();
    buf.resize(base + want);
    ssize_t n = 0;
    do {
        n = ::recv(fd, buf.data() + base, want, 0);
    } while (n < 0 && errno == EINTR);
    buf.resize(base + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n == 0) io.eof = true;
    if (n > 0 && static_cast<std::size_t>(n) < want && !io.hangup) io.readable = false;
    if (n < 0 && would_block(errno)) {
        io.readable = false;
        return 0;
    }
    return n;
}

// Sends what `out` holds; false on a socket error. A short write filled the
// socket's buffer: the edge that says it has room again will come.
bool write_from(int fd, Outbox& out, Readiness& io, bool& progress) {
    while (io.writable && !out.empty()) {
        const ssize_t n = ::send(fd, out.data.data() + out.sent, out.pending(), MSG_NOSIGNAL);
        if (n > 0) {
            if (static_cast<std::size_t>(n) < out.pending()) io.writable = false;
            out.sent += static_cast<std::size_t>(n);
            progress = true;
        } else if (n < 0 && would_block(errno)) {
            io.writable = false;
        } else if (!(n < 0 && errno == EINTR)) {
            return false;
        }
    }
    out.drop_sent();
    return true;
}

std::size_t room(const Outbox& out, std::size_t cap) {
    return out.pending() >= cap ? 0 : cap - out.pending();
}

}  // namespace

std::string describe(const FrontCounters& c) {
    return net::describe(c) + ", " + std::to_string(c.refused_by_gate.load()) +
           " refused by the gate, " + std::to_string(c.forwarded.load()) + " forwarded";
}

struct Front::Impl {
    explicit Impl(FrontSettings s) : settings(std::move(s)), caps(settings.limits) {}

    void loop();
    int next_timeout(std::int64_t now, std::int64_t next_sweep) const;
    void accept_all(net::Listener& listener, Kind kind, std::int64_t now);
    bool admit(const net::Accepted& a);
    void on_ready(std::uint64_t tag, std::uint32_t events, std::int64_t now);
    void pump(Link& l, std::int64_t now);
    bool step(Link& l, std::int64_t now);
    bool read_handshake(Link& l, std::int64_t now);
    bool read_connect(Link& l, std::int64_t now);
    bool pull_client(Link& l, std::size_t limit, std::int64_t now);
    bool decode_frames(Link& l, std::size_t limit, std::int64_t now);
    bool pull_broker(Link& l);
    void on_connect(Link& l, const wire::FirstPacket& packet, std::int64_t now);
    void dial(Link& l, std::int64_t now);
    void refuse(Link& l, wire::ConnectRefusal why, std::int64_t now);
    void to_client_packet(Link& l, std::string_view bytes);
    void close_ws(Link& l, std::uint16_t code, std::int64_t now);
    void start_closing(Link& l, std::int64_t now);
    bool flush(Link& l, bool& progress);
    bool finished(const Link& l) const;
    void retry_dials(std::int64_t now);
    void sweep(std::int64_t now);
    void close(std::uint64_t id);

    FrontSettings settings;
    wire::ConnectionCaps caps;
    FrontCounters counters;
    std::unique_ptr<net::Poller> poller;
    std::unique_ptr<net::Listener> mqtt_listener;
    std::unique_ptr<net::Listener> ws_listener;
    std::unordered_map<std::uint64_t, std::unique_ptr<Link>> links;
    std::vector<std::uint64_t> again;    // links whose turn ended with work left
    std::vector<std::uint64_t> dialing;  // links waiting to dial again
    std::uint64_t next_id = kFirstLinkId;
    std::atomic<bool> gate{false};
    net::IoThread io;
};

void Front::Impl::loop() {
    std::int64_t next_sweep = platform::monotonic_ms() + kSweepMs;
    while (!io.stopping()) {
        std::int64_t now = platform::monotonic_ms();
        for (const epoll_event& ev : poller->wait(next_timeout(now, next_sweep))) {
            now = platform::monotonic_ms();
            switch (ev.data.u64) {
                case net::Poller::kWakeTag:
                    poller->clear_wake();
                    break;
                case kMqttListenerTag:
                    accept_all(*mqtt_listener, Kind::mqtt, now);
                    break;
                case kWsListenerTag:
                    accept_all(*ws_listener, Kind::websocket, now);
                    break;
                default:
                    on_ready(ev.data.u64, ev.events, now);
            }
        }
        now = platform::monotonic_ms();
        std::vector<std::uint64_t> turn;
        turn.swap(again);
        for (const std::uint64_t id : turn)
            if (const auto it = links.find(id); it != links.end()) pump(*it->second, now);
        retry_dials(now);
        for (auto* l : {mqtt_listener.get(), ws_listener.get()})
            if (l) l->resume_if_due(*poller, now);
        if (now >= next_sweep) {
            sweep(now);
            next_sweep = now + kSweepMs;
        }
    }
    while (!links.empty())
        close(links.begin()->first);
}

// No timers while nothing waits on one: an idle front sleeps in epoll_wait.
int Front::Impl::next_timeout(std::int64_t now, std::int64_t next_sweep) const {
    if (!again.empty()) return 0;
    int timeout = links.empty() ? -1 : net::sooner_timeout(-1, next_sweep, now);
    if (!dialing.empty()) timeout = net::sooner_timeout(timeout, now + kDialRetryMs, now);
    for (auto* l : {mqtt_listener.get(), ws_listener.get()})
        if (l) timeout = net::sooner_timeout(timeout, l->resume_at(), now);
    return timeout;
}

void Front::Impl::accept_all(net::Listener& listener, Kind kind, std::int64_t now) {
    for (;;) {
        net::Accepted a = listener.next(*poller, now);
        if (!a.fd) return;
        if (!admit(a)) continue;  // closed at once: holding it is what the caps prevent
        auto l = std::make_unique<Link>();
        l->id = next_id++;
        l->kind = kind;
        l->stage = kind == Kind::websocket ? Stage::handshake : Stage::connect;
        l->deadline = now + (kind == Kind::websocket ? settings.handshake_deadline_ms
                                                     : settings.connect_deadline_ms);
        poller->add(a.fd.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, l->id * 2);
        l->client = std::move(a.fd);
        l->peer = std::move(a.peer);
        ++counters.open;
        links.emplace(l->id, std::move(l));
    }
}

bool Front::Impl::admit(const net::Accepted& a) {
    if (caps.admit(a.peer.cap_key) == wire::Admission::admitted) return true;
    ++counters.refused_by_cap;
    return false;
}

void Front::Impl::on_ready(std::uint64_t tag, std::uint32_t events, std::int64_t now) {
    const auto it = links.find(tag / 2);
    if (it == links.end()) return;
    Link& l = *it->second;
    Readiness& side = tag % 2 == 0 ? l.client_io : l.broker_io;
    side.readable |= (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    side.writable |= (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
    side.hangup |= (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    pump(l, now);
}

// Runs the link until nothing moves, a few rounds at most per turn.
void Front::Impl::pump(Link& l, std::int64_t now) {
    for (int round = 0; round < kRoundsPerTurn; ++round) {
        const bool progress = step(l, now);
        if (l.failed || finished(l)) {
            close(l.id);
            return;
        }
        if (!progress) return;
    }
    again.push_back(l.id);
}

// One round: read what the stage wants, write what is buffered.
bool Front::Impl::step(Link& l, std::int64_t now) {
    bool progress = false;
    switch (l.stage) {
        case Stage::handshake:
            progress = read_handshake(l, now);
            break;
        case Stage::connect:
            progress = read_connect(l, now);
            break;
        case Stage::forwarding:
            progress = pull_client(l, kBufferCap, now);
            if (pull_broker(l)) progress = true;
            if (l.client_io.eof || l.broker_io.eof) start_closing(l, now);
            break;
        case Stage::dialing:
        case Stage::closing:
            break;
    }
    if (!flush(l, progress)) l.failed = true;
    return progress;
}

bool Front::Impl::read_handshake(Link& l, std::int64_t now) {
    const std::size_t max = handshake_limits().max_head + 1;
    const ssize_t n =
        read_into(l.client.get(), l.raw, max - std::min(max, l.raw.size()), l.client_io);
    if (n < 0) {
        l.failed = true;
        return false;
    }
    const wire::HeadResult r = l.handshake.next(l.raw);
    if (r.status == wire::HeadStatus::incomplete) {
        if (l.client_io.eof) l.failed = true;
        return n > 0;
    }
    if (r.status == wire::HeadStatus::invalid) {
        l.to_client.data += wire::format_answer({r.error_status, {}, false, {}, false});
        start_closing(l, now);
        return true;
    }
    wire::WsHandshake hs = wire::websocket_handshake(r.head);
    l.to_client.data += hs.answer;
    if (!hs.accepted) {
        start_closing(l, now);
        return true;
    }
    l.raw.erase(0, r.size);  // any frames the client sent right behind its request
    l.stage = Stage::connect;
    l.deadline = now + settings.connect_deadline_ms;
    return true;
}

bool Front::Impl::read_connect(Link& l, std::int64_t now) {
    const bool progress = pull_client(l, wire::kMaxConnectBytes, now);
    if (l.failed || l.stage != Stage::connect) return progress;
    const wire::FirstPacket packet = wire::read_first_packet(l.to_broker.data);
    switch (packet.status) {
        case wire::FirstPacketStatus::incomplete:
            if (l.client_io.eof) l.failed = true;
            return progress;
        case wire::FirstPacketStatus::invalid:
            l.failed = true;  // not MQTT: nothing worth answering
            return progress;
        case wire::FirstPacketStatus::connect:
            on_connect(l, packet, now);
            return true;
    }
    return progress;
}

// Client bytes into to_broker while it holds less than `limit`: read
// directly for MQTT, through the frame decoder for WebSockets.
bool Front::Impl::pull_client(Link& l, std::size_t limit, std::int64_t now) {
    bool progress = false;
    for (;;) {
        if (l.kind == Kind::websocket) {
            progress |= decode_frames(l, limit, now);
            if (l.failed || l.stage == Stage::closing) return progress;
        }
        const std::size_t want =
            l.kind == Kind::websocket
                ? std::min(kReadChunk, kMaxRawWebSocket - std::min(kMaxRawWebSocket, l.raw.size()))
                : std::min(kReadChunk, room(l.to_broker, limit));
        if (want == 0 || (l.kind == Kind::websocket && room(l.to_broker, limit) == 0))
            return progress;
        std::string& sink = l.kind == Kind::websocket ? l.raw : l.to_broker.data;
        const ssize_t n = read_into(l.client.get(), sink, want, l.client_io);
        if (n < 0) l.failed = true;
        if (n <= 0) return progress;
        progress = true;
    }
}

// Decoded payload into to_broker; pings answered, a close frame or a
// protocol violation starts closing.
namespace {

// Paho C 1.3.12 built with OpenSSL (Debian's) sends its upgrade request
// twice when the TCP connect completes at once, as it can on loopback (fixed
// upstream in 1.3.13). A client frame never starts with 'G' (0x47 has a
// reserved bit set), so a second request right behind the first is read and
// dropped: answering it would corrupt the stream. False while it is not
// known yet whether one follows.
bool skip_repeated_upgrade(Link& l) {
    if (l.upgrade_repeat_checked) return true;
    if (l.raw.empty()) return false;
    if (l.raw[0] != 'G') {
        l.upgrade_repeat_checked = true;
        return true;
    }
    const auto end = l.raw.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (l.raw.size() > handshake_limits().max_head) l.failed = true;
        return false;
    }
    l.raw.erase(0, end + 4);
    l.upgrade_repeat_checked = true;
    return true;
}

}  // namespace

bool Front::Impl::decode_frames(Link& l, std::size_t limit, std::int64_t now) {
    bool progress = false;
    if (!skip_repeated_upgrade(l)) return false;
    while (!l.raw.empty()) {
        wire::WsDecoder::Result r =
            l.frames.decode(l.raw, l.to_broker.data, room(l.to_broker, limit));
        l.raw.erase(0, r.consumed);
        progress |= r.consumed > 0;
        if (r.failure) {
            close_ws(l, *r.failure, now);
            return true;
        }
        if (!r.control) return progress;
        if (r.control->opcode == wire::WsOpcode::ping &&
            l.to_client.pending() < kBufferCap + kControlSlack)
            wire::append_ws_frame(l.to_client.data, wire::WsOpcode::pong, r.control->payload);
        if (r.control->opcode == wire::WsOpcode::close) {
            close_ws(l, wire::kWsCloseNormal, now);
            return true;
        }
    }
    return progress;
}

// Broker bytes to the client while its buffer has room; for WebSockets each
// read becomes one binary frame (MQTT packets may span frames).
bool Front::Impl::pull_broker(Link& l) {
    bool progress = false;
    for (;;) {
        const std::size_t free = room(l.to_client, kBufferCap);
        const bool ws = l.kind == Kind::websocket;
        const std::size_t header = ws ? wire::kMaxWsServerHeader : 0;
        if (free <= header) return progress;
        std::string& out = l.to_client.data;
        const std::size_t base = out.size();
        if (ws) out.resize(base + header);  // room for the frame header
        const ssize_t n =
            read_into(l.broker.get(), out, std::min(kReadChunk, free - header), l.broker_io);
        if (n <= 0) {
            out.resize(base);
            if (n < 0) l.failed = true;
            return progress;
        }
        if (ws) {
            char frame_header[wire::kMaxWsServerHeader];
            const std::size_t size = wire::ws_frame_header(frame_header, wire::WsOpcode::binary,
                                                           static_cast<std::uint64_t>(n));
            std::memmove(out.data() + base + size, out.data() + base + header,
                         static_cast<std::size_t>(n));
            std::memcpy(out.data() + base, frame_header, size);
            out.resize(base + size + static_cast<std::size_t>(n));
        }
        progress = true;
    }
}

void Front::Impl::on_connect(Link& l, const wire::FirstPacket& packet, std::int64_t now) {
    l.protocol_level = packet.connect.protocol_level;
    if (!gate.load()) {
        ++counters.refused_by_gate;
        refuse(l, wire::ConnectRefusal::server_unavailable, now);
        return;
    }
    dial(l, now);
}

void Front::Impl::dial(Link& l, std::int64_t now) {
    if (l.stage != Stage::dialing) {
        l.stage = Stage::dialing;
        l.dial_until = now + kDialDeadlineMs;
        l.deadline = 0;
    }
    const int error = net::connect_unix(settings.broker_socket, l.broker);
    if (error == EAGAIN && now < l.dial_until) {
        l.dial_at = now + kDialRetryMs;
        dialing.push_back(l.id);
        return;
    }
    if (error != 0) {  // the broker is down (or restarting): as good as a closed gate
        refuse(l, wire::ConnectRefusal::server_unavailable, now);
        return;
    }
    poller->add(l.broker.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, l.id * 2 + 1);
    l.stage = Stage::forwarding;
    ++counters.forwarded;
    again.push_back(l.id);  // the buffered CONNECT goes out on the next turn
}

void Front::Impl::retry_dials(std::int64_t now) {
    std::vector<std::uint64_t> due;
    std::erase_if(dialing, [&](std::uint64_t id) {
        const auto it = links.find(id);
        if (it == links.end()) return true;
        if (now < it->second->dial_at) return false;
        due.push_back(id);
        return true;
    });
    for (const std::uint64_t id : due)
        if (const auto it = links.find(id); it != links.end()) dial(*it->second, now);
}

// CONNACK with the refusal in the client's protocol version, then closed.
void Front::Impl::refuse(Link& l, wire::ConnectRefusal why, std::int64_t now) {
    to_client_packet(l, wire::connack_refusal(l.protocol_level, why));
    if (l.kind == Kind::websocket)
        wire::append_ws_frame(l.to_client.data, wire::WsOpcode::close,
                              wire::ws_close_payload(wire::kWsCloseNormal));
    l.to_broker = {};
    start_closing(l, now);
}

void Front::Impl::to_client_packet(Link& l, std::string_view bytes) {
    if (l.kind == Kind::websocket)
        wire::append_ws_frame(l.to_client.data, wire::WsOpcode::binary, bytes);
    else
        l.to_client.data += bytes;
}

void Front::Impl::close_ws(Link& l, std::uint16_t code, std::int64_t now) {
    wire::append_ws_frame(l.to_client.data, wire::WsOpcode::close, wire::ws_close_payload(code));
    l.raw.clear();
    start_closing(l, now);
}

// From now on nothing is read: what is buffered goes out, then both close.
void Front::Impl::start_closing(Link& l, std::int64_t now) {
    if (l.stage == Stage::closing) return;
    if (l.stage != Stage::forwarding) l.to_broker = {};
    // A broker that closed first may have said why (a CONNACK refusal, a
    // DISCONNECT): that reaches the client, then a close frame for WebSockets.
    if (l.kind == Kind::websocket && l.broker_io.eof)
        wire::append_ws_frame(l.to_client.data, wire::WsOpcode::close,
                              wire::ws_close_payload(wire::kWsCloseNormal));
    l.stage = Stage::closing;
    l.deadline = now + kFlushDeadlineMs;
}

bool Front::Impl::flush(Link& l, bool& progress) {
    if (l.broker && !l.broker_io.eof &&
        !write_from(l.broker.get(), l.to_broker, l.broker_io, progress))
        return false;
    return write_from(l.client.get(), l.to_client, l.client_io, progress);
}

// Closing and every buffered byte handed over (or its socket gone).
bool Front::Impl::finished(const Link& l) const {
    if (l.stage != Stage::closing) return false;
    const bool client_done = l.to_client.empty();
    const bool broker_done = !l.broker || l.broker_io.eof || l.to_broker.empty();
    return client_done && broker_done;
}

// Deadlines: no CONNECT (or handshake) in time, a dial that never got
// through, a close whose last bytes nobody takes.
void Front::Impl::sweep(std::int64_t now) {
    std::vector<std::uint64_t> expired;
    for (const auto& [id, l] : links)
        if (l->deadline > 0 && now >= l->deadline) expired.push_back(id);
    for (const std::uint64_t id : expired) {
        const Stage stage = links.at(id)->stage;
        if (stage == Stage::handshake || stage == Stage::connect) ++counters.closed_by_deadline;
        close(id);
    }
}

void Front::Impl::close(std::uint64_t id) {
    const auto it = links.find(id);
    if (it == links.end()) return;
    Link& l = *it->second;
    caps.release(l.peer.cap_key);
    poller->remove(l.client.get());
    if (l.broker) poller->remove(l.broker.get());
    links.erase(it);
    --counters.open;
}

Front::Front(FrontSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

Front::~Front() {
    stop();
}

void Front::start() {
    Impl& m = *impl_;
    m.poller = std::make_unique<net::Poller>();
    m.mqtt_listener =
        std::make_unique<net::Listener>(net::listen_tcp(m.settings.mqtt, "MQTT"), kMqttListenerTag);
    m.ws_listener = std::make_unique<net::Listener>(
        net::listen_tcp(m.settings.ws, "MQTT over WebSockets"), kWsListenerTag);
    for (auto* l : {m.mqtt_listener.get(), m.ws_listener.get()})
        if (l) l->watch(*m.poller);
    m.io.start("mqchatd-front", [&m] { m.loop(); });
}

bool Front::running() const {
    return impl_->io.running();
}

void Front::stop() {
    if (impl_->poller) impl_->io.stop(*impl_->poller);
}

void Front::set_gate_open(bool open) {
    impl_->gate.store(open);
}

bool Front::gate_open() const {
    return impl_->gate.load();
}

const FrontCounters& Front::counters() const {
    return impl_->counters;
}

}  // namespace mqchat::server
