// The HTTP server's I/O thread: accept under caps, read each request under
// its deadlines, hand complete requests to the workers, write their answers
// back, keep the connection alive or close it. Request data never goes into
// answer headers: answers carry fixed headers and JSON bodies.
#include "http_server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "json_body.hpp"
#include "log.hpp"
#include "platform/environment.hpp"
#include "platform/event_queue.hpp"
#include "wire/http_request.hpp"
#include "wire/http_response.hpp"
#include "worker_pool.hpp"

namespace mqchat::server {
namespace {

constexpr std::uint64_t kListenerTag = 0;
constexpr std::uint64_t kCompletionTag = 1;
constexpr std::uint64_t kFirstConnectionTag = 16;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::int64_t kSweepMs = 250;  // how often deadlines are checked
// After an answer with "Connection: close", unread request bytes are read
// and dropped for a moment: closing with unread data sends a reset that can
// destroy the answer before the client has read it.
constexpr std::int64_t kLingerMs = 2000;
constexpr std::size_t kMaxLingerBytes = 256 * 1024;

std::string status_error(int status) {
    switch (status) {
        case 400:
            return "bad request";
        case 404:
            return "not found";
        case 405:
            return "method not allowed";
        case 408:
            return "request timeout";
        case 411:
            return "a Content-Length is required";
        case 413:
            return "request body too large";
        case 414:
            return "request URI too long";
        case 417:
            return "unsupported expectation";
        case 431:
            return "request headers too large";
        case 503:
            return "the server is busy; try again";
        case 505:
            return "HTTP version not supported";
        default:
            return status >= 500 ? "internal error" : "request refused";
    }
}

std::string error_answer(int status, bool keep_alive, std::string_view allow = {},
                         bool without_body = false) {
    return wire::format_answer(
        {status, error_body(status_error(status)), keep_alive, allow, without_body});
}

// --- routes ------------------------------------------------------------------

enum class Handler { login, logout, mqtt_token, history, post_message, healthz, me };

struct Routed {
    std::optional<Handler> handler;
    std::string room;        // history and post_message: the decoded path segment
    int status = 404;        // without a handler: 404 or 405
    std::string_view allow;  // with 405
};

constexpr std::pair<std::string_view, Handler> kFixedPosts[] = {
    {"/api/login", Handler::login},
    {"/api/logout", Handler::logout},
    {"/api/mqtt-token", Handler::mqtt_token},
};

// "/api/rooms/{room}/messages": the room segment, or nullopt for other paths.
std::optional<std::string> room_of(std::string_view path) {
    constexpr std::string_view prefix = "/api/rooms/";
    constexpr std::string_view suffix = "/messages";
    if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
        path.size() <= prefix.size() + suffix.size())
        return std::nullopt;
    const std::string_view segment =
        path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (segment.find('/') != std::string_view::npos) return std::nullopt;
    // A malformed escape stays as it is: the room check refuses the '%'.
    return wire::percent_decode(segment, false).value_or(std::string(segment));
}

Routed route(std::string_view method, std::string_view path) {
    const bool get = method == "GET" || method == "HEAD";
    const bool post = method == "POST";
    Routed r;
    for (const auto& [fixed, handler] : kFixedPosts) {
        if (path != fixed) continue;
        if (post) r.handler = handler;
        r.status = 405;
        r.allow = "POST";
        return r;
    }
    if (path == "/healthz" || path == "/api/me") {
        if (get) r.handler = path == "/healthz" ? Handler::healthz : Handler::me;
        r.status = 405;
        r.allow = "GET, HEAD";
        return r;
    }
    if (auto room = room_of(path)) {
        if (get || post) r.handler = get ? Handler::history : Handler::post_message;
        r.room = std::move(*room);
        r.status = 405;
        r.allow = "GET, HEAD, POST";
    }
    return r;
}

ApiResponse call(Api& api, Handler handler, const std::string& room, const ApiRequest& request) {
    switch (handler) {
        case Handler::login:
            return api.login(request);
        case Handler::logout:
            return api.logout(request);
        case Handler::mqtt_token:
            return api.mqtt_token(request);
        case Handler::history:
            return api.room_history(room, request);
        case Handler::post_message:
            return api.post_message(room, request);
        case Handler::healthz:
            return api.healthz();
        case Handler::me:
            return api.me(request);
    }
    return {500, error_body(status_error(500))};
}

ApiResponse call_guarded(Api& api, Handler handler, const std::string& room,
                         const ApiRequest& request) {
    try {
        return call(api, handler, room, request);
    } catch (const std::exception& e) {
        log_line(std::string("http: internal error: ") + e.what());
    } catch (...) {
        log_line("http: internal error");
    }
    return {500, error_body(status_error(500))};
}

ApiRequest api_request(const wire::RequestHead& head, std::string body, const net::Peer& peer) {
    ApiRequest r;
    r.body = std::move(body);
    r.remote_addr = peer.address;
    if (const auto* v = head.header("authorization")) r.authorization = *v;
    if (const auto* v = head.header("host")) r.host = *v;
    r.query = wire::parse_query(head.query());
    return r;
}

// --- connections ---------------------------------------------------------------

enum class Phase {
    idle,       // no request under way (new or kept alive)
    head,       // reading a request head
    body,       // reading its body
    waiting,    // a worker has the request
    writing,    // sending the answer
    lingering,  // closing: dropping what the client still sends
};

bool reading(Phase phase) {
    return phase == Phase::idle || phase == Phase::head || phase == Phase::body;
}

struct Connection {
    std::uint64_t id = 0;  // its epoll tag
    net::Fd fd;
    net::Peer peer;
    Phase phase = Phase::idle;
    std::int64_t deadline = 0;  // monotonic ms; 0: none
    std::string in;             // this request's bytes and any pipelined after them
    wire::RequestHeadReader reader;
    wire::RequestHead head;
    std::size_t head_size = 0;
    std::string out;  // an answer (or a 100 Continue) being sent
    std::size_t written = 0;
    bool close_after = false;  // close once `out` is sent
    bool readable = false;     // edge-triggered readiness not yet used up
    bool writable = true;
    bool peer_done = false;  // the client shut down its sending side
    std::size_t lingered = 0;
};

struct Completion {
    std::uint64_t id;
    std::string answer;
    bool keep_alive;
};

enum class Io { ok, closed };

}  // namespace

struct HttpServer::Impl {
    Impl(Api& a, HostPort l, HttpServerSettings s)
        : api(a), listen(std::move(l)), settings(s), caps(s.limits) {
        limits.max_body = kMaxBodyBytes;
    }

    void loop();
    void accept_all(std::int64_t now);
    void refuse(net::Accepted& accepted);
    void on_ready(std::uint64_t id, std::uint32_t events, std::int64_t now);
    bool advance(Connection& c, std::int64_t now);
    Io receive(Connection& c);
    Io send_out(Connection& c);
    void take_request(Connection& c, std::int64_t now);
    void dispatch(Connection& c, std::int64_t now);
    void answer(Connection& c, std::string bytes, bool keep_alive, std::int64_t now);
    void answer_sent(Connection& c, std::int64_t now);
    bool linger(Connection& c);
    void on_completions(std::int64_t now);
    void sweep(std::int64_t now);
    void close(std::uint64_t id);
    int next_timeout(std::int64_t now, std::int64_t next_sweep) const;

    Api& api;
    HostPort listen;
    HttpServerSettings settings;
    wire::HttpLimits limits;
    wire::ConnectionCaps caps;
    net::ServerCounters counters;
    std::unique_ptr<net::Poller> poller;
    std::unique_ptr<net::Listener> listener;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;
    std::uint64_t next_id = kFirstConnectionTag;
    platform::EventQueue<Completion> completions;
    std::unique_ptr<WorkerPool> workers;
    net::IoThread io;
};

void HttpServer::Impl::loop() {
    std::int64_t next_sweep = platform::monotonic_ms() + kSweepMs;
    while (!io.stopping()) {
        std::int64_t now = platform::monotonic_ms();
        for (const epoll_event& ev : poller->wait(next_timeout(now, next_sweep))) {
            now = platform::monotonic_ms();
            if (ev.data.u64 == net::Poller::kWakeTag)
                poller->clear_wake();
            else if (ev.data.u64 == kCompletionTag)
                on_completions(now);
            else if (ev.data.u64 == kListenerTag)
                accept_all(now);
            else
                on_ready(ev.data.u64, ev.events, now);
        }
        now = platform::monotonic_ms();
        listener->resume_if_due(*poller, now);
        if (now >= next_sweep) {
            sweep(now);
            next_sweep = now + kSweepMs;
        }
    }
    while (!connections.empty())
        close(connections.begin()->first);
}

// Idle with no connection: sleep until something happens.
int HttpServer::Impl::next_timeout(std::int64_t now, std::int64_t next_sweep) const {
    const int timeout = connections.empty() ? -1 : net::sooner_timeout(-1, next_sweep, now);
    return net::sooner_timeout(timeout, listener->resume_at(), now);
}

void HttpServer::Impl::accept_all(std::int64_t now) {
    for (;;) {
        net::Accepted a = listener->next(*poller, now);
        if (!a.fd) return;
        if (caps.admit(a.peer.cap_key) != wire::Admission::admitted) {
            refuse(a);
            continue;
        }
        const std::uint64_t id = next_id++;
        auto c = std::make_unique<Connection>();
        c->id = id;
        c->reader = wire::RequestHeadReader(limits);
        c->deadline = now + settings.timeouts.idle;
        poller->add(a.fd.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, id);
        c->fd = std::move(a.fd);
        c->peer = std::move(a.peer);
        connections.emplace(id, std::move(c));
        ++counters.open;
    }
}

// Beyond a cap: one 503 written without waiting (the socket's buffer is
// empty, so it fits), then closed.
void HttpServer::Impl::refuse(net::Accepted& a) {
    ++counters.refused_by_cap;
    char drop[4096];
    [[maybe_unused]] auto r = ::recv(a.fd.get(), drop, sizeof drop, MSG_DONTWAIT);
    static const std::string busy = error_answer(503, false);
    [[maybe_unused]] auto w =
        ::send(a.fd.get(), busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void HttpServer::Impl::on_ready(std::uint64_t id, std::uint32_t events, std::int64_t now) {
    const auto it = connections.find(id);
    if (it == connections.end()) return;
    Connection& c = *it->second;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.readable = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c.writable = true;
    if (!advance(c, now)) close(id);
}

// Moves the connection along as far as its socket allows; false: close it.
bool HttpServer::Impl::advance(Connection& c, std::int64_t now) {
    for (;;) {
        const Phase before = c.phase;
        const std::size_t had = c.in.size();
        switch (c.phase) {
            case Phase::idle:
            case Phase::head:
            case Phase::body:
                if (send_out(c) == Io::closed || receive(c) == Io::closed) return false;
                take_request(c, now);
                // The client stopped sending before a whole request.
                if (c.peer_done && reading(c.phase)) return false;
                break;
            case Phase::waiting:
                return true;
            case Phase::writing:
                if (send_out(c) == Io::closed) return false;
                if (c.written < c.out.size()) return true;
                answer_sent(c, now);
                break;
            case Phase::lingering:
                return linger(c);
        }
        if (c.phase == before && c.in.size() == had) return true;
    }
}

// Reads what the socket has, up to what the current request may still need.
Io HttpServer::Impl::receive(Connection& c) {
    const std::size_t cap = limits.max_head + limits.max_body + kReadChunk;
    while (c.readable && !c.peer_done && c.in.size() < cap) {
        const std::size_t base = c.in.size();
        c.in.resize(base + kReadChunk);
        const ssize_t n = ::recv(c.fd.get(), c.in.data() + base, kReadChunk, 0);
        c.in.resize(base + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        if (n > 0) continue;
        if (n == 0) {
            c.peer_done = true;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c.readable = false;
        } else if (errno != EINTR) {
            return Io::closed;
        }
    }
    return Io::ok;
}

Io HttpServer::Impl::send_out(Connection& c) {
    while (c.writable && c.written < c.out.size()) {
        const ssize_t n =
            ::send(c.fd.get(), c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
        if (n > 0) {
            c.written += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c.writable = false;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return Io::closed;
        }
    }
    return Io::ok;
}

void HttpServer::Impl::take_request(Connection& c, std::int64_t now) {
    if (c.phase == Phase::idle) {
        if (c.in.empty()) return;
        c.phase = Phase::head;
        c.deadline = now + settings.timeouts.head;
    }
    if (c.phase == Phase::head) {
        wire::HeadResult r = c.reader.next(c.in);
        if (r.status == wire::HeadStatus::incomplete) return;
        if (r.status == wire::HeadStatus::invalid) {
            answer(c, error_answer(r.error_status, false), false, now);
            return;
        }
        c.head = std::move(r.head);
        c.head_size = r.size;
        c.phase = Phase::body;
        c.deadline = now + settings.timeouts.body;
        if (c.head.expect_continue && c.in.size() < c.head_size + c.head.content_length) {
            c.out = "HTTP/1.1 100 Continue\r\n\r\n";
            c.written = 0;
            send_out(c);
        }
    }
    if (c.phase == Phase::body && c.in.size() >= c.head_size + c.head.content_length)
        dispatch(c, now);
}

// A whole request: answered here when no route takes it, else queued for a worker.
void HttpServer::Impl::dispatch(Connection& c, std::int64_t now) {
    std::string body = c.in.substr(c.head_size, c.head.content_length);
    c.in.erase(0, c.head_size + c.head.content_length);  // pipelined bytes stay
    c.out.clear();
    c.written = 0;
    const bool keep_alive = c.head.keep_alive;
    const bool without_body = c.head.method == "HEAD";
    Routed routed = route(c.head.method, c.head.path());
    if (!routed.handler) {
        answer(c, error_answer(routed.status, keep_alive, routed.allow, without_body), keep_alive,
               now);
        return;
    }
    auto job = [this, id = c.id, handler = *routed.handler, room = std::move(routed.room),
                request = api_request(c.head, std::move(body), c.peer), keep_alive, without_body] {
        const ApiResponse r = call_guarded(api, handler, room, request);
        completions.push({id, wire::format_answer({r.status, r.body, keep_alive, {}, without_body}),
                          keep_alive});
    };
    c.phase = Phase::waiting;
    c.deadline = 0;
    if (!workers->try_submit(std::move(job))) answer(c, error_answer(503, false), false, now);
}

void HttpServer::Impl::answer(Connection& c, std::string bytes, bool keep_alive, std::int64_t now) {
    c.out = std::move(bytes);
    c.written = 0;
    c.close_after = !keep_alive || io.stopping();
    c.phase = Phase::writing;
    c.deadline = now + settings.timeouts.write;
}

void HttpServer::Impl::answer_sent(Connection& c, std::int64_t now) {
    c.out.clear();
    c.written = 0;
    if (c.close_after) {
        ::shutdown(c.fd.get(), SHUT_WR);
        c.phase = Phase::lingering;
        c.deadline = now + kLingerMs;
        return;
    }
    c.reader.reset();
    c.phase = Phase::idle;
    c.deadline = now + settings.timeouts.idle;
}

// Drops what the client still sends; false once it is done (or sent too much).
bool HttpServer::Impl::linger(Connection& c) {
    char drop[kReadChunk];
    while (c.readable) {
        const ssize_t n = ::recv(c.fd.get(), drop, sizeof drop, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return false;
        if (n < 0 && errno != EINTR) c.readable = false;
        if (n > 0 && (c.lingered += static_cast<std::size_t>(n)) > kMaxLingerBytes) return false;
    }
    return true;
}

void HttpServer::Impl::on_completions(std::int64_t now) {
    std::vector<Completion> done;
    completions.drain(done);
    for (auto& d : done) {
        const auto it = connections.find(d.id);
        if (it == connections.end()) continue;  // the client went away meanwhile
        answer(*it->second, std::move(d.answer), d.keep_alive, now);
        if (!advance(*it->second, now)) close(d.id);
    }
}

// Closes connections whose deadline passed: an idle one quietly, a request
// that is too slow with a 408 (written without waiting, best effort).
void HttpServer::Impl::sweep(std::int64_t now) {
    std::vector<std::uint64_t> expired;
    for (const auto& [id, c] : connections)
        if (c->deadline > 0 && now >= c->deadline) expired.push_back(id);
    for (const std::uint64_t id : expired) {
        Connection& c = *connections.at(id);
        if (c.phase == Phase::head || c.phase == Phase::body || c.phase == Phase::writing)
            ++counters.closed_by_deadline;
        if (c.phase == Phase::head || c.phase == Phase::body) {
            static const std::string timeout = error_answer(408, false);
            [[maybe_unused]] auto n =
                ::send(c.fd.get(), timeout.data(), timeout.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        close(id);
    }
}

void HttpServer::Impl::close(std::uint64_t id) {
    const auto it = connections.find(id);
    if (it == connections.end()) return;
    poller->remove(it->second->fd.get());
    caps.release(it->second->peer.cap_key);
    connections.erase(it);
    --counters.open;
}

HttpServer::HttpServer(Api& api, HostPort listen, HttpServerSettings settings)
    : impl_(std::make_unique<Impl>(api, std::move(listen), settings)) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    Impl& m = *impl_;
    m.poller = std::make_unique<net::Poller>();
    m.listener = std::make_unique<net::Listener>(net::listen_tcp(m.listen, "HTTP"), kListenerTag);
    m.listener->watch(*m.poller);
    m.poller->add(m.completions.fd(), EPOLLIN, kCompletionTag);
    m.workers =
        std::make_unique<WorkerPool>(m.settings.workers, m.settings.max_queued, "mqchatd-http-w");
    m.io.start("mqchatd-http", [&m] { m.loop(); });
}

bool HttpServer::running() const {
    return impl_->io.running();
}

void HttpServer::stop() {
    Impl& m = *impl_;
    if (m.poller) m.io.stop(*m.poller);
    m.workers.reset();
}

const net::ServerCounters& HttpServer::counters() const {
    return impl_->counters;
}

}  // namespace mqchat::server
