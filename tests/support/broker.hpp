// A real Mosquitto for integration tests: its own config and free loopback
// ports, ready when it accepts connections, stopped (or restarted) on demand.
#pragma once

#include <memory>
#include <string>

#include "support/process.hpp"

namespace testsupport {

struct BrokerOptions {
    bool websockets = false;      // also listen with the websockets protocol
    std::string extra_config;     // appended to the generated mosquitto.conf
    bool allow_anonymous = true;  // false: "allow_anonymous false" (an auth plugin decides)
};

class Mosquitto {
  public:
    explicit Mosquitto(BrokerOptions options = {});
    ~Mosquitto();

    int port() const { return port_; }
    int ws_port() const { return ws_port_; }
    std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(ws_port_) + "/mqtt"; }
    const TempDir& dir() const { return dir_; }

    void stop();
    void start();  // again, on the same ports
    std::string log() const;

  private:
    BrokerOptions options_;
    TempDir dir_;
    int port_ = 0;
    int ws_port_ = 0;
    std::unique_ptr<Process> process_;
};

// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_port_open(int port, std::chrono::milliseconds deadline = kDeadline);

// A mosquitto_sub on `topic` (a filter) that is known to be subscribed: it
// also subscribes to a probe topic in the same SUBSCRIBE and is ready once a
// probe arrives. Every message published after construction reaches it.
class Subscriber {
  public:
    Subscriber(const Mosquitto& broker, const std::string& topic);
    // Payloads received on `topic` so far, one per entry.
    std::vector<std::string> payloads() const;
    bool wait_for_count(std::size_t n, std::chrono::milliseconds deadline = kDeadline) const;

  private:
    std::string probe_topic_;
    std::unique_ptr<Process> process_;
};

// mosquitto_pub of one payload (any bytes: goes through a file) at QoS 1.
void publish(const Mosquitto& broker, const std::string& topic, const std::string& payload);

std::size_t count_lines(const std::string& text);

}  // namespace testsupport
