// mqchatd stack fixture: process management, HTTP client, token MQTT clients.
#include "stack.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace testsupport {
namespace {

constexpr time_t kHttpTimeoutSeconds = 30;

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

HttpResult result_of(const httplib::Result& r) {
    if (!r) return {};
    return {r->status, r->body};
}

httplib::Headers auth_headers(const std::string& bearer) {
    if (bearer.empty()) return {};
    return {{"Authorization", "Bearer " + bearer}};
}

std::unique_ptr<httplib::Client> client_for(int port) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(kHttpTimeoutSeconds, 0);
    c->set_read_timeout(kHttpTimeoutSeconds, 0);
    c->set_write_timeout(kHttpTimeoutSeconds, 0);
    return c;
}

// Three different free ports (free_port() could hand out one twice).
std::vector<int> distinct_ports(std::size_t n) {
    std::set<int> ports;
    while (ports.size() < n)
        ports.insert(free_port());
    return {ports.begin(), ports.end()};
}

}  // namespace

nlohmann::json HttpResult::json() const {
    return nlohmann::json::parse(body);
}

HttpResult HttpClient::get(const std::string& path, const std::string& bearer) const {
    return result_of(client_for(port_)->Get(path.c_str(), auth_headers(bearer)));
}

HttpResult HttpClient::post(const std::string& path, const std::string& body,
                            const std::string& bearer) const {
    return result_of(
        client_for(port_)->Post(path.c_str(), auth_headers(bearer), body, "application/json"));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Stack::Stack(StackOptions options) : options_(std::move(options)), http_(0) {
    const auto ports = distinct_ports(3);
    http_port_ = ports[0];
    mqtt_port_ = ports[1];
    ws_port_ = ports[2];
    http_ = HttpClient(http_port_);
    if (options_.data_dir.empty()) {
        own_dir_ = std::make_unique<TempDir>();
        data_dir_ = own_dir_->path() + "/data";
    } else {
        data_dir_ = options_.data_dir;
    }
    start();
}

Stack::~Stack() {
    if (process_ && process_->running()) stop(SIGTERM);
}

bool Stack::external_broker() const {
    const auto& extra = options_.extra_args;
    return std::find(extra.begin(), extra.end(), "--broker-url") != extra.end();
}

void Stack::start() {
    if (process_) previous_logs_ += process_->err();
    std::vector<std::string> argv = {MQCHATD_BIN, "serve",
                                     "--data",    data_dir_,
                                     "--http",    "127.0.0.1:" + std::to_string(http_port_)};
    if (!external_broker()) {
        for (const std::string& arg :
             {std::string("--mqtt"), "127.0.0.1:" + std::to_string(mqtt_port_), std::string("--ws"),
              "127.0.0.1:" + std::to_string(ws_port_)})
            argv.push_back(arg);
    }
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    process_ = std::make_unique<Process>(argv);
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (process_->out().find("ready\n") == std::string::npos) {
        if (!process_->running())
            throw std::runtime_error("mqchatd serve exited before ready: " + process_->err());
        if (std::chrono::steady_clock::now() > until)
            throw std::runtime_error("mqchatd serve never became ready: " + process_->err());
        std::this_thread::sleep_for(20ms);
    }
}

std::optional<int> Stack::stop(int sig) {
    process_->signal(sig);
    return process_->wait_exit();
}

std::string Stack::log() const {
    return previous_logs_ + (process_ ? process_->err() : std::string());
}

RunResult Stack::mqchatd(std::vector<std::string> args, const std::string& input) const {
    std::vector<std::string> argv = {MQCHATD_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--data");
    argv.push_back(data_dir_);
    return run(argv, input);
}

std::string Stack::add_user(const std::string& email, const std::string& name,
                            const std::string& password) const {
    const auto r =
        mqchatd({"user", "add", email, "--name", name, "--password-stdin"}, password + "\n");
    if (r.status != 0) throw std::runtime_error("mqchatd user add failed: " + r.err);
    // "added <id> <email> name"
    std::istringstream words(r.out);
    std::string added;
    std::string id;
    words >> added >> id;
    return id;
}

StackAccount Stack::add_account(const std::string& email, const std::string& name,
                                const std::string& password) const {
    StackAccount a;
    a.id = add_user(email, name, password);
    a.session = session(email, password);
    a.token = token(a.session).at("accessToken").get<std::string>();
    return a;
}

HttpResult Stack::login(const std::string& email, const std::string& password) const {
    return http_.post("/api/login",
                      nlohmann::json{{"email", email}, {"password", password}}.dump());
}

std::string Stack::session(const std::string& email, const std::string& password) const {
    const auto r = login(email, password);
    if (r.status != 200)
        throw std::runtime_error("login failed: " + std::to_string(r.status) + " " + r.body);
    return r.json().at("session").get<std::string>();
}

nlohmann::json Stack::token(const std::string& session,
                            const std::vector<std::string>& rooms) const {
    const std::string body = rooms.empty() ? "" : nlohmann::json{{"rooms", rooms}}.dump();
    const auto r = http_.post("/api/mqtt-token", body, session);
    if (r.status != 200)
        throw std::runtime_error("token route failed: " + std::to_string(r.status) + " " + r.body);
    return r.json();
}

std::string Stack::service_key() const {
    return trimmed(read_file(data_dir_ + "/service.key"));
}

std::string Stack::token_key() const {
    return trimmed(read_file(data_dir_ + "/token.key"));
}

std::optional<pid_t> Stack::broker_pid() const {
    // Every thread's children: a broker restarted by mqchatd's serve loop is
    // the child of whichever thread forked it, not always the main one.
    const std::string tasks = "/proc/" + std::to_string(process_->pid()) + "/task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
        std::istringstream children(read_file(task.path().string() + "/children"));
        pid_t child = 0;
        while (children >> child)
            if (trimmed(read_file("/proc/" + std::to_string(child) + "/comm")) == "mosquitto")
                return child;
    }
    return std::nullopt;
}

MqttSubscriber::MqttSubscriber(int port, const std::string& username, const std::string& password,
                               const std::string& client_id, const std::string& topic)
    : topic_(topic) {
    // stdbuf: mosquitto_sub's -d lines are plain printf()s, block-buffered on a pipe.
    process_ = std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/stdbuf", "-oL", MOSQUITTO_SUB_BIN, "-V", "5", "-p", std::to_string(port), "-q",
        "1", "-v", "-d", "-u", username, "-P", password, "-i", client_id, "-t", topic});
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    // -d prints "Subscribed (mid: 1): <granted QoS or reason code>".
    while (process_->out().find("Subscribed (mid: 1): ") == std::string::npos) {
        if (!process_->running() || std::chrono::steady_clock::now() > until)
            throw std::runtime_error("mosquitto_sub did not subscribe: " + process_->out() +
                                     process_->err());
        std::this_thread::sleep_for(20ms);
    }
    if (process_->out().find("Subscribed (mid: 1): 1\n") == std::string::npos)
        throw std::runtime_error("mosquitto_sub subscription refused: " + process_->out());
}

std::vector<std::string> MqttSubscriber::payloads() const {
    std::vector<std::string> result;
    std::string text = process_->out();
    text.resize(text.rfind('\n') + 1);  // npos + 1 == 0: no complete line yet
    std::istringstream lines(text);
    std::string line;
    const std::string prefix = topic_ + " ";
    while (std::getline(lines, line))
        if (line.starts_with(prefix)) result.push_back(line.substr(prefix.size()));
    return result;
}

bool MqttSubscriber::wait_for_count(std::size_t n, std::chrono::milliseconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (payloads().size() < n) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

std::string MqttSubscriber::output() const {
    return process_->out() + process_->err();
}

RunResult publish_as(int port, const std::string& username, const std::string& password,
                     const std::string& client_id, const std::string& topic,
                     const std::string& payload) {
    TempDir tmp;
    const std::string file = tmp.write("payload", payload);
    return run({MOSQUITTO_PUB_BIN, "-V", "5", "-p", std::to_string(port), "-q", "1", "-u", username,
                "-P", password, "-i", client_id, "-t", topic, "-f", file});
}

PortBlocker::PortBlocker(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    // SO_REUSEADDR: the port of a just-killed broker may still have TIME_WAIT
    // connections; a listener of ours still excludes mosquitto's.
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 1) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error("cannot hold port " + std::to_string(port) + ": " + why);
    }
}

PortBlocker::~PortBlocker() {
    ::close(fd_);
}

namespace {

bool wait_gone(pid_t pid) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (::kill(pid, 0) == 0) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace

BrokerBlocker::BrokerBlocker(const Stack& stack) : path_(stack.broker_socket()) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < until) {
        if (const auto pid = stack.broker_pid(); pid && ::kill(*pid, SIGKILL) == 0) wait_gone(*pid);
        std::error_code ec;
        if (!std::filesystem::is_directory(path_, ec)) {
            std::filesystem::remove(path_, ec);  // the dead broker's socket file
            std::filesystem::create_directory(path_, ec);
        }
        // A broker started before the directory was there still listens
        // (on the unlinked socket): round again.
        if (std::filesystem::is_directory(path_, ec) && !stack.broker_pid()) return;
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("could not keep the broker down");
}

BrokerBlocker::~BrokerBlocker() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

ServeResult serve_briefly(const std::vector<std::string>& args,
                          std::chrono::milliseconds deadline) {
    std::vector<std::string> argv = {MQCHATD_BIN, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process process(argv);
    ServeResult result;
    result.status = process.wait_exit(deadline);
    if (!result.status) {
        process.signal(SIGKILL);
        process.wait_exit();
    }
    result.out = process.out();
    result.err = process.err();
    return result;
}

}  // namespace testsupport
