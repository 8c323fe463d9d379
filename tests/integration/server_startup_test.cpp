// mqchatd serve's startup refusals and its broker being down.
// Options refused before anything starts, a broker child that can never
// start, /healthz while the broker is away, and the paths in mosquitto.conf.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

std::string loopback(int port) {
    return "127.0.0.1:" + std::to_string(port);
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string last_line(const std::string& text) {
    std::string trimmed = text;
    while (!trimmed.empty() && trimmed.back() == '\n')
        trimmed.pop_back();
    return trimmed.substr(trimmed.rfind('\n') + 1);
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// Polls GET /healthz until its status is `status`.
bool wait_health(const Stack& stack, int status) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (stack.http().get("/healthz").status != status) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

TEST(ServerOptions, InvalidBrokerUrlIsRefusedBeforeAnythingStarts) {
    TempDir dir;
    const std::string data = dir.path() + "/data";
    const int http = free_port();
    const auto r = serve_briefly({"--data", data, "--http", loopback(http), "--broker-url",
                                  "mqtt://alice:secret@broker.example"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(line_count(r.err), 1U) << r.err;
    EXPECT_TRUE(contains(r.err, "--broker-url")) << r.err;
    EXPECT_EQ(r.out, "");
    // Refused before the data dir, the keys or the HTTP listener existed.
    EXPECT_FALSE(std::filesystem::exists(data));
    EXPECT_FALSE(contains(r.err, "http listening")) << r.err;
}

TEST(ServerOptions, EmbeddedBrokerOptionsConflictWithBrokerUrl) {
    TempDir dir;
    const std::string data = dir.path() + "/data";
    const std::vector<std::vector<std::string>> conflicts = {
        {"--mqtt", loopback(free_port())},
        {"--ws", loopback(free_port())},
        {"--plugin", dir.path() + "/libmqchat_auth.so"},
    };
    for (const auto& conflict : conflicts) {
        std::vector<std::string> args = {
            "--data", data, "--http", loopback(free_port()), "--broker-url", "mqtt://127.0.0.1:1"};
        args.insert(args.end(), conflict.begin(), conflict.end());
        const auto r = serve_briefly(args, 20s);
        EXPECT_EQ(r.status, 2) << conflict[0];
        EXPECT_EQ(line_count(r.err), 1U) << r.err;
        EXPECT_TRUE(contains(r.err, conflict[0]) && contains(r.err, "--broker-url")) << r.err;
        EXPECT_FALSE(std::filesystem::exists(data)) << conflict[0];
    }
}

// The front binds the public ports before anything else listens.
TEST(ServerOptions, AnMqttOrWebSocketPortInUseFailsStartupNamingIt) {
    for (const char* which : {"--mqtt", "--ws"}) {
        TempDir dir;
        const int port = free_port();
        PortBlocker taken(port);  // another process has the port
        const bool mqtt = std::string(which) == "--mqtt";
        const auto r = serve_briefly(
            {"--data", dir.path() + "/data", "--http", loopback(free_port()), "--mqtt",
             loopback(mqtt ? port : free_port()), "--ws", loopback(mqtt ? free_port() : port)});
        EXPECT_EQ(r.status, 1) << r.err;
        EXPECT_EQ(r.out, "");  // never ready
        const std::string line = last_line(r.err);
        EXPECT_TRUE(line.starts_with("mqchatd: ")) << r.err;
        EXPECT_TRUE(contains(line, "Address already in use")) << r.err;
        EXPECT_TRUE(contains(line, loopback(port))) << r.err;
    }
}

TEST(ServerBroker, ABrokerThatCannotStartFailsStartupNamingTheCause) {
    TempDir dir;
    // Something that is not a socket where the broker's listener goes.
    std::filesystem::create_directories(dir.path() + "/data/broker.sock");
    const auto r = serve_briefly({"--data", dir.path() + "/data", "--http", loopback(free_port()),
                                  "--mqtt", loopback(free_port()), "--ws", loopback(free_port())});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.out, "");  // never ready
    EXPECT_TRUE(contains(last_line(r.err), "the broker could not start")) << r.err;
    EXPECT_TRUE(contains(last_line(r.err), "Address already in use")) << r.err;
    EXPECT_TRUE(last_line(r.err).starts_with("mqchatd: ")) << r.err;
}

TEST(ServerBroker, HealthzSaysTheBrokerIsDownUntilItIsBack) {
    Stack stack;
    auto r = stack.http().get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json({{"ok", true}}));

    // Kill the broker and keep it from listening again: after ready, mqchatd
    // keeps restarting it (with backoff) instead of giving up.
    ASSERT_TRUE(stack.broker_pid().has_value());
    {
        BrokerBlocker down(stack);
        ASSERT_TRUE(wait_health(stack, 503)) << stack.log();
        r = stack.http().get("/healthz");
        EXPECT_EQ(r.json(), json({{"ok", false}, {"broker", "down"}, {"archive", "open"}}));
        std::this_thread::sleep_for(2s);  // a few failed restarts
        EXPECT_TRUE(stack.process().running()) << stack.log();
    }
    ASSERT_TRUE(wait_health(stack, 200)) << stack.log();
    EXPECT_EQ(stack.http().get("/healthz").json(), json({{"ok", true}}));
    EXPECT_EQ(stack.process().out(), "ready\n");
}

TEST(ServerBroker, ARelativeDataDirIsWrittenAbsoluteIntoMosquittoConf) {
    TempDir dir;
    const auto relative =
        std::filesystem::relative(dir.path() + "/data", std::filesystem::current_path());
    ASSERT_TRUE(relative.is_relative());
    Stack stack({.data_dir = relative.string(), .extra_args = {}});
    std::istringstream conf(read_file(stack.data_dir() + "/mosquitto.conf"));
    int paths = 0;
    for (std::string line; std::getline(conf, line);) {
        for (const char* key : {"persistence_location ", "log_dest file ", "plugin ",
                                "plugin_opt_key_file ", "plugin_opt_service_key_file "}) {
            if (!line.starts_with(key)) continue;
            ++paths;
            const std::string path = line.substr(std::string(key).size());
            EXPECT_TRUE(path.starts_with("/")) << line;
            EXPECT_FALSE(contains(path, "/./") || contains(path, "/../")) << line;
        }
    }
    EXPECT_EQ(paths, 5);
}

}  // namespace
