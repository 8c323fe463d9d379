// The real mqchatd stack for integration tests: `mqchatd serve` (with its
// embedded Mosquitto and the auth plugin) on free loopback ports and a data
// dir of its own, accounts made with `mqchatd user add`, a small blocking
// HTTP client, and mosquitto_sub/pub clients that log in with tokens.
#pragma once

#include <sys/types.h>

#include <csignal>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace testsupport {

struct HttpResult {
    int status = 0;  // 0: no answer (connection failed)
    std::string body;
    nlohmann::json json() const;  // parsed body (throws on invalid JSON)
};

// Blocking HTTP/1.1 to 127.0.0.1:port; one request per call.
class HttpClient {
  public:
    explicit HttpClient(int port) : port_(port) {}
    HttpResult get(const std::string& path, const std::string& bearer = "") const;
    HttpResult post(const std::string& path, const std::string& body,
                    const std::string& bearer = "") const;

  private:
    int port_;
};

// An account with a login session and an MQTT token for its default room.
struct StackAccount {
    std::string id;
    std::string session;
    std::string token;
};

struct StackOptions {
    std::string data_dir;  // empty: a fresh temp dir owned by the stack
    // Appended to `mqchatd serve`; with --broker-url among them, --mqtt and
    // --ws are left out (they configure the embedded broker).
    std::vector<std::string> extra_args;
};

class Stack {
  public:
    explicit Stack(StackOptions options = {});
    ~Stack();  // SIGTERM, then whatever Process does with a straggler
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // Runs `mqchatd serve` and waits for "ready" (throws with stderr if it
    // exits or never gets there). The constructor calls it.
    void start();
    // Sends `sig` and waits for the exit status.
    std::optional<int> stop(int sig = SIGTERM);

    int http_port() const { return http_port_; }
    int mqtt_port() const { return mqtt_port_; }
    int ws_port() const { return ws_port_; }
    const std::string& data_dir() const { return data_dir_; }
    Process& process() { return *process_; }
    std::string log() const;  // mqchatd's stderr so far (all runs)
    const HttpClient& http() const { return http_; }

    // `mqchatd <args...> --data <dir>` to completion with `input` on stdin.
    RunResult mqchatd(std::vector<std::string> args, const std::string& input = "") const;
    // `mqchatd user add EMAIL --name NAME --password-stdin`; returns the account id.
    std::string add_user(const std::string& email, const std::string& name,
                         const std::string& password) const;

    // add_user, then a session and a token for it.
    StackAccount add_account(const std::string& email, const std::string& name,
                             const std::string& password) const;

    HttpResult login(const std::string& email, const std::string& password) const;
    std::string session(const std::string& email,
                        const std::string& password) const;  // asserts 200
    nlohmann::json token(const std::string& session,
                         const std::vector<std::string>& rooms = {}) const;  // asserts 200
    std::string service_key() const;  // <data>/service.key, trimmed
    std::string token_key() const;    // <data>/token.key, trimmed
    // The mosquitto child's pid (from /proc), or nullopt when there is none.
    std::optional<pid_t> broker_pid() const;
    // The embedded broker's only listener (the front forwards clients there).
    std::string broker_socket() const { return data_dir_ + "/broker.sock"; }

  private:
    bool external_broker() const;  // --broker-url among the extra args
    StackOptions options_;
    std::unique_ptr<TempDir> own_dir_;
    std::string data_dir_;
    int http_port_;
    int mqtt_port_;
    int ws_port_;
    HttpClient http_;
    std::unique_ptr<Process> process_;
    std::string previous_logs_;
};

// A mosquitto_sub (MQTT 5, QoS 1) that logs in with a username/password
// (a token or the service key) and is known to be subscribed: it waits for
// its SUBACK in the -d output. Every message published after construction reaches it.
class MqttSubscriber {
  public:
    MqttSubscriber(int port, const std::string& username, const std::string& password,
                   const std::string& client_id, const std::string& topic);
    std::vector<std::string> payloads() const;
    bool wait_for_count(std::size_t n, std::chrono::milliseconds deadline = kDeadline) const;
    std::string output() const;
    Process& process() { return *process_; }

  private:
    std::string topic_;
    std::unique_ptr<Process> process_;
};

// mosquitto_pub of one payload at QoS 1 (MQTT 5) with credentials; the
// payload goes through a file so any bytes work. Returns the run result.
RunResult publish_as(int port, const std::string& username, const std::string& password,
                     const std::string& client_id, const std::string& topic,
                     const std::string& payload);

// Reads a whole file ("" when missing).
std::string read_file(const std::string& path);

// A listening TCP socket on 127.0.0.1:port, held until destroyed: makes a
// broker that wants the port fail to start. Throws when the port is busy.
class PortBlocker {
  public:
    explicit PortBlocker(int port);
    ~PortBlocker();
    PortBlocker(const PortBlocker&) = delete;
    PortBlocker& operator=(const PortBlocker&) = delete;

  private:
    int fd_ = -1;
};

// Keeps the embedded broker down: kills it and puts a directory where its
// socket goes, so every restart fails to listen until this is destroyed.
// mqchatd may restart the broker in between: then that one is killed too,
// until the directory is in place with no broker running.
class BrokerBlocker {
  public:
    explicit BrokerBlocker(const Stack& stack);
    ~BrokerBlocker();
    BrokerBlocker(const BrokerBlocker&) = delete;
    BrokerBlocker& operator=(const BrokerBlocker&) = delete;

  private:
    std::string path_;
};

// `mqchatd serve ARGS...` with a short deadline: the exit status, or nullopt
// (after killing it) when it was still running then. For refusals at startup.
struct ServeResult {
    std::optional<int> status;
    std::string out;
    std::string err;
};
ServeResult serve_briefly(const std::vector<std::string>& args,
                          std::chrono::milliseconds deadline = kDeadline);

}  // namespace testsupport
