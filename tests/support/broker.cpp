// Mosquitto lifecycle, mosquitto_sub readiness and mosquitto_pub for tests.
#include "broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace testsupport {

bool wait_port_open(int port, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (ok) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

Mosquitto::Mosquitto(BrokerOptions options) : options_(std::move(options)) {
    port_ = free_port();
    if (options_.websockets) ws_port_ = free_port();
    start();
}

Mosquitto::~Mosquitto() {
    stop();
}

void Mosquitto::start() {
    std::string conf;
    conf += "per_listener_settings false\n";
    conf += options_.allow_anonymous ? "allow_anonymous true\n" : "allow_anonymous false\n";
    conf += "persistence false\n";
    conf += "max_queued_messages 0\n";  // drop nothing: tests count every message
    conf += "log_dest stderr\n";
    conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
    if (options_.websockets)
        conf += "listener " + std::to_string(ws_port_) + " 127.0.0.1\nprotocol websockets\n";
    conf += options_.extra_config;
    if (::geteuid() == 0) conf += "user root\n";
    const std::string path = dir_.write("mosquitto.conf", conf);
    process_ = std::make_unique<Process>(std::vector<std::string>{MOSQUITTO_BIN, "-c", path});
    if (!wait_port_open(port_) || (options_.websockets && !wait_port_open(ws_port_)))
        throw std::runtime_error("mosquitto did not start: " + process_->err());
}

void Mosquitto::stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    process_->wait_exit();
    process_.reset();
}

std::string Mosquitto::log() const {
    return process_ ? process_->err() : std::string();
}

Subscriber::Subscriber(const Mosquitto& broker, const std::string& topic)
    : probe_topic_("mqchat-test-probe/" + std::to_string(::getpid()) + "/" +
                   std::to_string(free_port())) {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{MOSQUITTO_SUB_BIN, "-V", "5", "-p", std::to_string(broker.port()),
                                 "-q", "1", "-v", "-t", topic, "-t", probe_topic_});
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (process_->out().find(probe_topic_) == std::string::npos) {
        if (std::chrono::steady_clock::now() > until || !process_->running())
            throw std::runtime_error("mosquitto_sub did not subscribe: " + process_->err());
        run({MOSQUITTO_PUB_BIN, "-p", std::to_string(broker.port()), "-t", probe_topic_, "-m",
             "probe"});
        process_->wait_for_out(probe_topic_, 200ms);
    }
}

std::vector<std::string> Subscriber::payloads() const {
    std::vector<std::string> result;
    const std::string text = process_->out();
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        if (nl == std::string::npos) break;  // a line still being written
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        const auto space = line.find(' ');
        if (space == std::string::npos || line.compare(0, space, probe_topic_) == 0) continue;
        result.push_back(line.substr(space + 1));
    }
    return result;
}

bool Subscriber::wait_for_count(std::size_t n, std::chrono::milliseconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (payloads().size() < n) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

void publish(const Mosquitto& broker, const std::string& topic, const std::string& payload) {
    TempDir tmp;
    const std::string file = tmp.write("payload", payload);
    auto r = run({MOSQUITTO_PUB_BIN, "-p", std::to_string(broker.port()), "-q", "1", "-t", topic,
                  "-f", file});
    if (r.status != 0) throw std::runtime_error("mosquitto_pub failed: " + r.err);
}

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace testsupport
