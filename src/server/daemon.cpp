// The serve loop: startup in dependency order, then poll() over signals
// (SIGCHLD too: a dead broker shuts the archive gate at once), the broker
// connection and the HTTP routes' events until asked to stop.
#include "daemon.hpp"

#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <variant>

#include "api.hpp"
#include "archive_gate.hpp"
#include "archive_status.hpp"
#include "broker_config.hpp"
#include "control_watch.hpp"
#include "front/front.hpp"
#include "http_server.hpp"
#include "log.hpp"
#include "net.hpp"
#include "platform/environment.hpp"
#include "platform/event_queue.hpp"
#include "platform/signals.hpp"
#include "secrets.hpp"
#include "service_link.hpp"
#include "sessions.hpp"
#include "store.hpp"
#include "supervisor.hpp"

namespace mqchat::server {
namespace {

constexpr int kIdlePollMs = 200;
constexpr auto kBrokerStopGrace = std::chrono::seconds(10);
constexpr std::int64_t kCounterReportMs = 10000;
// The archiver's connection waits this long for another process's write
// lock per attempt, so the loop keeps serving the broker connection.
constexpr int kArchiverBusyTimeoutMs = 100;

// From the HTTP threads to the serve loop.
struct SessionRevoked {
    std::string token_hash;
    std::int64_t at_ms = 0;
};
using LoopEvent = std::variant<Outgoing, SessionRevoked>;

std::string effective_user_name() {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
    return {};
}

// Written fresh at every start, atomically (rename), so a crash never leaves
// the broker a half-written config.
void write_file_atomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

// --plugin as an absolute path, or the first default place that has one.
std::string plugin_path(const ServeOptions& o) {
    if (o.plugin_path.empty()) {
        std::string found = default_plugin_path();
        if (found.empty())
            throw std::runtime_error(std::string("the broker plugin ") + kPluginFileName +
                                     " is in none of " + default_plugin_places() +
                                     " (use --plugin PATH)");
        return found;
    }
    if (::access(o.plugin_path.c_str(), R_OK) != 0)
        throw std::runtime_error("the broker plugin " + o.plugin_path +
                                 " is missing or unreadable (--plugin)");
    return std::filesystem::absolute(o.plugin_path).lexically_normal().string();
}

BrokerConfig broker_config_of(const ServeOptions& o) {
    BrokerConfig c;
    c.socket_path = broker_socket_path(o.data_dir);
    c.plugin_path = plugin_path(o);
    c.token_key_file = o.data_dir + "/token.key";
    c.service_key_file = o.data_dir + "/service.key";
    c.persistence_dir = o.data_dir + "/mosquitto";
    c.log_file = o.data_dir + "/mosquitto.log";
    // mosquitto started as root drops to user "mosquitto", which could then
    // not read our 0600 key files: keep it as whoever runs mqchatd.
    c.run_as_user = effective_user_name();
    if (o.user_rate) c.user_rate = *o.user_rate;
    if (o.user_burst) c.user_burst = *o.user_burst;
    return c;
}

// Where mqchatd's own connection goes: the external URL, or straight to the
// embedded broker's unix socket (the front is for clients).
mqtt::BrokerTarget service_target(const ServeOptions& o) {
    if (o.broker_url) {
        auto parsed = mqtt::parse_broker_target(*o.broker_url);
        if (!parsed.target) throw std::runtime_error("--broker-url: " + parsed.problem);
        return *parsed.target;
    }
    return mqtt::BrokerTarget::unix_socket(broker_socket_path(o.data_dir));
}

FrontSettings front_settings(const ServeOptions& o) {
    FrontSettings f;
    f.mqtt = o.mqtt;
    f.ws = o.ws;
    f.broker_socket = broker_socket_path(o.data_dir);
    f.limits = o.limits;
    return f;
}

// Binds the public MQTT listeners before the broker starts: until the
// archiver is subscribed, the gate answers every CONNECT.
std::unique_ptr<Front> start_front(const ServeOptions& o) {
    auto front = std::make_unique<Front>(front_settings(o));
    front->start();
    log_line("mqtt listening on " + o.mqtt.to_string() + ", ws on " + o.ws.to_string());
    return front;
}

// A server with thousands of connections needs more descriptors than the
// usual soft limit of 1024; the broker child inherits the raised limit.
void raise_descriptor_limit(const ServeOptions& o) {
    const std::uint64_t limit = net::raise_fd_limit();
    const std::uint64_t wanted =
        (o.broker_url ? 1 : 3) * static_cast<std::uint64_t>(o.limits.max_total) + 64;
    if (limit < wanted)
        log_line("the file descriptor limit is " + std::to_string(limit) + ", below the " +
                 std::to_string(wanted) +
                 " that --max-connections needs: connections beyond it wait to be accepted");
}

std::unique_ptr<BrokerSupervisor> start_embedded_broker(const ServeOptions& o) {
    const BrokerConfig config = broker_config_of(o);
    if (auto problem = broker_config_problem(config); !problem.empty())
        throw std::runtime_error(problem);
    const std::string mosquitto = find_mosquitto();
    if (mosquitto.empty())
        throw std::runtime_error("mosquitto not found in PATH, /usr/sbin or /usr/local/sbin");
    std::filesystem::create_directories(config.persistence_dir);
    const std::string conf_path = o.data_dir + "/mosquitto.conf";
    write_file_atomically(conf_path, mosquitto_conf(config));
    auto supervisor = std::make_unique<BrokerSupervisor>(mosquitto, conf_path, config.log_file);
    supervisor->start(platform::monotonic_ms());
    return supervisor;
}

// The embedded broker serves one mqchatd: the design's fixed id. On a shared
// external broker every instance needs its own stable id (a persistent session
// each, splitting the stream through $share) or they would keep taking over
// each other's session: derived from the host name and the data dir.
std::string archiver_client_id(const ServeOptions& o) {
    if (!o.broker_url) return kArchiverClientId;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::error_code ec;
    const auto dir = std::filesystem::absolute(o.data_dir, ec).string();
    return std::string(kArchiverClientId) + "-" +
           session_digest(std::string(host) + ":" + dir).substr(0, 12);
}

ApiSettings api_settings(const ServeOptions& o, std::string token_key) {
    ApiSettings s;
    s.token_key = std::move(token_key);
    s.token_ttl_s = o.token_ttl_s;
    s.user_quota_bytes = o.user_quota_bytes;
    if (!o.broker_url) {  // what broker_config_of() gives the plugin
        s.user_rate = o.user_rate.value_or(BrokerConfig{}.user_rate);
        s.user_burst = o.user_burst.value_or(BrokerConfig{}.user_burst);
    }
    s.brokers.mqtt = o.mqtt;
    s.brokers.ws = o.ws;
    s.brokers.external_url = o.broker_url;
    return s;
}

void announce_ready(const ServeOptions& o) {
    std::fputs("ready\n", stdout);
    std::fflush(stdout);
    std::string where = "ready: http " + o.http.to_string();
    if (o.broker_url)
        where += ", broker " + *o.broker_url;
    else
        where += ", mqtt " + o.mqtt.to_string() + ", ws " + o.ws.to_string();
    log_line(where);
}

int poll_timeout(std::initializer_list<std::int64_t> hints) {
    std::int64_t timeout = kIdlePollMs;
    for (const auto h : hints)
        if (h >= 0) timeout = std::min(timeout, h);
    return static_cast<int>(timeout);
}

// What the serve loop drives.
struct Parts {
    Api& api;
    HttpServer& http;
    ServiceLink& link;
    ControlWatch& control;
    platform::EventQueue<LoopEvent>& events;
    BrokerSupervisor* supervisor;  // null with an external broker
    Front* front;                  // likewise
};

// Logs a server's counters when something was refused or cut since the last
// report, at most every kCounterReportMs: attacks show up in the log without
// flooding it.
std::uint64_t refusals(const net::ServerCounters& c) {
    return c.refused_by_cap.load() + c.closed_by_deadline.load();
}

std::uint64_t refusals(const FrontCounters& c) {
    return refusals(static_cast<const net::ServerCounters&>(c)) + c.refused_by_gate.load();
}

class CounterReport {
  public:
    template <typename Counters>
    void maybe_log(const char* what, const Counters& c, std::int64_t now) {
        const std::uint64_t events = refusals(c);
        if (events == reported_ || now < next_at_) return;
        reported_ = events;
        next_at_ = now + kCounterReportMs;
        log_line(std::string(what) + ": " + describe(c));
    }

  private:
    std::uint64_t reported_ = 0;
    std::int64_t next_at_ = 0;
};

struct Reports {
    CounterReport http;
    CounterReport front;
};

void report(const Parts& p, Reports& reports, std::int64_t now) {
    reports.http.maybe_log("http", p.http.counters(), now);
    if (p.front) reports.front.maybe_log("front", p.front->counters(), now);
}

// Our connection to the broker is up, and with it the child when it is ours.
bool broker_up(const Parts& p) {
    return p.link.archiving() && (!p.supervisor || p.supervisor->running());
}

void handle_events(Parts& p, std::vector<LoopEvent>& batch) {
    batch.clear();
    p.events.drain(batch);
    for (auto& event : batch) {
        if (auto* message = std::get_if<Outgoing>(&event)) {
            p.link.publish(std::move(*message));
        } else if (auto* revoked = std::get_if<SessionRevoked>(&event)) {
            p.link.send_control(revoke_session_control(revoked->token_hash, revoked->at_ms,
                                                       token::kMaxTokenLifetime));
        }
    }
}

// Accounts deleted by `mqchatd user del` and quotas used up, every
// kControlPollMs.
void poll_control(Parts& p, std::int64_t now_mono, std::int64_t& next_poll) {
    if (now_mono < next_poll) return;
    next_poll = now_mono + kControlPollMs;
    for (auto& message : p.control.poll(platform::now_ms()))
        p.link.send_control(std::move(message));
}

// Runs until SIGINT/SIGTERM and returns the signal; throws when the broker
// child cannot start at all.
int run_loop(platform::SignalWatcher& signals, const ServeOptions& o, Parts p) {
    bool ready = false;
    ArchiveGate gate;
    Reports reports;
    std::vector<LoopEvent> batch;
    std::int64_t next_control_poll = 0;
    for (;;) {
        std::int64_t now = platform::monotonic_ms();
        pollfd fds[] = {{signals.fd(), POLLIN, 0},
                        {p.link.fd(), p.link.poll_events(), 0},
                        {p.events.fd(), POLLIN, 0}};
        const int timeout = poll_timeout({p.link.wait_hint_ms(now),
                                          std::max<std::int64_t>(0, next_control_poll - now),
                                          p.supervisor ? p.supervisor->wait_hint_ms(now) : -1});
        if (::poll(fds, 3, timeout) < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
        if (fds[0].revents & POLLIN) {
            const int sig = signals.take();
            if (sig == SIGINT || sig == SIGTERM) return sig;
            if (sig == SIGHUP) log_line("SIGHUP ignored: restart mqchatd to change its settings");
        }
        now = platform::monotonic_ms();
        if (fds[1].fd >= 0) p.link.on_poll(fds[1].revents, now);
        handle_events(p, batch);
        poll_control(p, now, next_control_poll);
        p.link.tick(now);
        if (p.supervisor) p.supervisor->tick(now);
        if (p.supervisor && p.supervisor->gave_up())
            throw std::runtime_error(p.supervisor->failure());
        const bool up = broker_up(p);
        p.api.set_broker_up(up);
        if (p.front)
            p.front->set_gate_open(
                gate.open(p.supervisor->running(), p.link.archiving(), p.link.subscriptions()));
        report(p, reports, now);
        if (!ready && up && p.http.running() && (!p.front || p.front->running())) {
            ready = true;
            if (p.supervisor) p.supervisor->mark_ready();
            announce_ready(o);
        }
    }
}

// The control state for a new broker connection, or nullopt (logged) when
// the database cannot answer now.
std::optional<std::vector<std::string>> control_state(ControlWatch& control) {
    try {
        return control.full_state(platform::now_ms());
    } catch (const StoreError& e) {
        log_line(std::string("control: cannot read the database: ") + e.what() + "; retrying");
        return std::nullopt;
    }
}

// The data dir, created, as the absolute path without symlinks or "..":
// mosquitto.conf must not depend on the directory mosquitto runs in.
std::string resolved_data_dir(const std::string& dir) {
    ensure_data_dir(dir);
    std::error_code ec;
    const auto real = std::filesystem::canonical(dir, ec);
    if (ec) throw std::runtime_error("cannot resolve the data dir " + dir + ": " + ec.message());
    return real.string();
}

int serve_checked(const ServeOptions& given) {
    // First, before any library starts a thread: every thread inherits the
    // blocked signal mask, so SIGTERM reaches the signalfd and nothing else.
    platform::SignalWatcher signals({SIGCHLD});
    ServeOptions o = given;
    o.data_dir = resolved_data_dir(given.data_dir);
    raise_descriptor_limit(o);
    const std::string token_key = load_or_create_key(o.data_dir + "/token.key");
    const std::string service_key = load_or_create_key(o.data_dir + "/service.key");
    auto store = Store::open(o.db_path);
    // Revocations stay until every token they stop has expired.
    store->purge_sessions(platform::now_ms() - token::kMaxTokenLifetime * 1000);
    // The serve loop's own connection: the archiver never waits for the HTTP
    // threads' mutex, and gives up on a held write lock quickly.
    auto loop_store = Store::open(o.db_path);
    loop_store->set_busy_timeout(kArchiverBusyTimeoutMs);
    ArchiveStatus archive;

    platform::EventQueue<LoopEvent> events;  // HTTP threads -> main loop
    ApiEvents api_events;
    api_events.publish = [&events](std::string topic, std::string payload) {
        events.push(Outgoing{std::move(topic), std::move(payload)});
    };
    api_events.session_revoked = [&events](std::string token_hash, std::int64_t at_ms) {
        events.push(SessionRevoked{std::move(token_hash), at_ms});
    };
    Api api(*store, api_settings(o, token_key), std::move(api_events), platform::now_ms, &archive);
    api.set_broker_up(false);  // until the loop has seen it
    HttpServerSettings http_settings;
    http_settings.limits = o.limits;
    HttpServer http(api, o.http, http_settings);
    http.start();
    log_line("http listening on " + o.http.to_string());

    std::unique_ptr<Front> front;
    std::unique_ptr<BrokerSupervisor> supervisor;
    if (!o.broker_url) {
        front = start_front(o);
        supervisor = start_embedded_broker(o);
    }
    ControlWatch control(*loop_store, {o.user_quota_bytes, token::kMaxTokenLifetime});
    ServiceLinkSettings link_settings;
    link_settings.target = service_target(o);
    // The archiver's id from the data dir as given, as before it was
    // resolved: the id names a persistent session on a shared broker.
    link_settings.client_id = archiver_client_id(given);
    link_settings.service_key = service_key;
    link_settings.archiver.receive_maximum = kArchiverReceiveMaximum;
    ServiceLink link(*loop_store, archive, link_settings,
                     [&control] { return control_state(control); });
    link.start(platform::monotonic_ms());

    const int sig =
        run_loop(signals, o, {api, http, link, control, events, supervisor.get(), front.get()});
    log_line(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    http.stop();
    link.stop();
    if (front) front->stop();
    if (supervisor) supervisor->stop(kBrokerStopGrace);
    log_line("stopped");
    return 0;
}

}  // namespace

void ensure_data_dir(const std::string& dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create the data dir " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);  // keys, database and broker state are private
}

std::string broker_socket_path(const std::string& data_dir) {
    return data_dir + "/broker.sock";
}

int serve(const ServeOptions& options) {
    try {
        return serve_checked(options);
    } catch (const std::exception& e) {
        log_line(std::string("serve: ") + e.what());
        return 1;
    }
}

}  // namespace mqchat::server
