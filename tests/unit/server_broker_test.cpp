// The embedded broker's side of mqchatd: mosquitto.conf, listener addresses,
// restart backoff, key files and the archiver's payload handling.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/archiver.hpp"
#include "server/broker_config.hpp"
#include "server/host_port.hpp"
#include "server/secrets.hpp"
#include "server/supervisor.hpp"
#include "server/token_answer.hpp"
#include "server_scratch.hpp"
#include "token/key_file.hpp"

namespace {

using namespace mqchat::server;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    const auto lines = lines_of(text);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

BrokerConfig sample_config() {
    BrokerConfig c;
    c.socket_path = "/var/lib/mqchatd/broker.sock";
    c.plugin_path = "/opt/mqchat/bin/libmqchat_auth.so";
    c.token_key_file = "/var/lib/mqchatd/token.key";
    c.service_key_file = "/var/lib/mqchatd/service.key";
    c.persistence_dir = "/var/lib/mqchatd/mosquitto";
    c.log_file = "/var/lib/mqchatd/mosquitto.log";
    c.run_as_user = "mqchat";
    return c;
}

TEST(ServerBrokerConfig, HasEverySettingTheDesignAsksFor) {
    const std::string conf = mosquitto_conf(sample_config());
    for (const char* line :
         {"per_listener_settings false", "allow_anonymous false", "max_packet_size 131072",
          "max_queued_messages 100000", "max_inflight_messages 100", "persistence true",
          "persistence_location /var/lib/mqchatd/mosquitto/",
          "log_dest file /var/lib/mqchatd/mosquitto.log", "user mqchat",
          "plugin /opt/mqchat/bin/libmqchat_auth.so",
          "plugin_opt_key_file /var/lib/mqchatd/token.key",
          "plugin_opt_service_key_file /var/lib/mqchatd/service.key", "plugin_opt_issuer mqchatd",
          "plugin_opt_audience mqtt", "plugin_opt_user_rate 100", "plugin_opt_user_burst 2000"})
        EXPECT_TRUE(has_line(conf, line)) << line << "\n" << conf;
}

TEST(ServerBrokerConfig, PassesThePublishRateToThePlugin) {
    BrokerConfig c = sample_config();
    c.user_rate = 0;
    c.user_burst = 1000;
    const std::string conf = mosquitto_conf(c);
    EXPECT_TRUE(has_line(conf, "plugin_opt_user_rate 0")) << conf;
    EXPECT_TRUE(has_line(conf, "plugin_opt_user_burst 1000")) << conf;
}

// The broker listens on its unix socket only: the front owns the TCP ports.
TEST(ServerBrokerConfig, TheOnlyListenerIsTheUnixSocketAndComesLast) {
    const auto lines = lines_of(mosquitto_conf(sample_config()));
    ASSERT_GE(lines.size(), 2U);
    const std::vector<std::string> tail(lines.end() - 2, lines.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"listener 0 /var/lib/mqchatd/broker.sock",
                                              "protocol mqtt"}));
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& l) { return l.starts_with("listener"); }),
              1);
    // Global settings never follow a listener line.
    const auto first_listener = std::find_if(
        lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("listener"); });
    for (auto it = first_listener; it != lines.end(); ++it)
        EXPECT_TRUE(it->starts_with("listener") || it->starts_with("protocol")) << *it;
}

TEST(ServerBrokerConfig, PathsThatWouldBreakTheFileAreRefused) {
    EXPECT_EQ(broker_config_problem(sample_config()), "");
    for (const char* bad : {"/tmp/with space", "/tmp/new\nline", "/tmp/hash#tag", ""}) {
        auto c = sample_config();
        c.persistence_dir = bad;
        EXPECT_NE(broker_config_problem(c), "") << bad;
    }
    auto c = sample_config();
    c.socket_path = "/" + std::string(106, 'd') + "/broker.sock";  // beyond sun_path
    EXPECT_NE(broker_config_problem(c).find("use a shorter --data"), std::string::npos);
}

TEST(ServerBrokerConfig, PluginIsLookedForBesideTheExecutableThenInstalled) {
    EXPECT_EQ(plugin_candidates("/opt/mqchat/bin", "/usr/local/lib/mqchat/libmqchat_auth.so"),
              (std::vector<std::string>{"/opt/mqchat/bin/libmqchat_auth.so",
                                        "/opt/mqchat/lib/mqchat/libmqchat_auth.so",
                                        "/usr/local/lib/mqchat/libmqchat_auth.so"}));
    // An installed mqchatd in the prefix it was built for: no duplicate.
    EXPECT_EQ(plugin_candidates("/usr/local/bin", "/usr/local/lib/mqchat/libmqchat_auth.so"),
              (std::vector<std::string>{"/usr/local/bin/libmqchat_auth.so",
                                        "/usr/local/lib/mqchat/libmqchat_auth.so"}));
    EXPECT_EQ(plugin_candidates("", "/usr/lib/mqchat/libmqchat_auth.so"),
              (std::vector<std::string>{"/usr/lib/mqchat/libmqchat_auth.so"}));
    EXPECT_NE(default_plugin_places().find("/libmqchat_auth.so"), std::string::npos);
}

TEST(ServerHostPort, ParsesHostAndPort) {
    const auto a = parse_host_port("127.0.0.1:8080");
    ASSERT_TRUE(a.value);
    EXPECT_EQ(a.value->host, "127.0.0.1");
    EXPECT_EQ(a.value->port, 8080);
    const auto b = parse_host_port("[::1]:1883");
    ASSERT_TRUE(b.value);
    EXPECT_EQ(b.value->host, "::1");
    EXPECT_EQ(b.value->to_string(), "[::1]:1883");
    EXPECT_TRUE(parse_host_port("localhost:1").value);
    EXPECT_TRUE(parse_host_port("0.0.0.0:80").value->is_wildcard());
    for (const char* bad : {"", "8080", "host:", ":80", "host:0", "host:65536", "host:80x",
                            "::1:80", "[::1]80", "bad host:80", "a\nb:80"})
        EXPECT_FALSE(parse_host_port(bad).value) << bad;
}

TEST(ServerBrokerUrls, AdvertiseListenersOrTheExternalUrl) {
    BrokerAdvert advert;
    advert.mqtt = {"127.0.0.1", 1883};
    advert.ws = {"0.0.0.0", 8083};
    EXPECT_EQ(
        broker_urls(advert, "chat.example.org:8080"),
        (std::vector<std::string>{"mqtt://127.0.0.1:1883", "ws://chat.example.org:8083/mqtt"}));
    EXPECT_EQ(broker_urls(advert, "evil\r\nheader:80"),
              (std::vector<std::string>{"mqtt://127.0.0.1:1883", "ws://127.0.0.1:8083/mqtt"}));
    EXPECT_EQ(broker_urls(advert, "[::1]:8080")[1], "ws://[::1]:8083/mqtt");
    advert.external_url = "wss://broker.example.org/mqtt";
    EXPECT_EQ(broker_urls(advert, "x"),
              (std::vector<std::string>{"wss://broker.example.org/mqtt"}));
}

TEST(ServerSupervisor, BackoffDoublesFromHalfASecondToTen) {
    std::vector<std::int64_t> seen = {kFirstBackoffMs};
    for (int i = 0; i < 7; ++i)
        seen.push_back(next_backoff_ms(seen.back()));
    EXPECT_EQ(seen, (std::vector<std::int64_t>{500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}));
}

TEST(ServerSupervisor, FailureCauseIsTheLastErrorOfTheLog) {
    // What Mosquitto 2.0.11 logs when its port is taken (no final newline).
    EXPECT_EQ(broker_failure_cause("2026-11-24T07:33:28: mosquitto version 2.0.11 starting\n"
                                   "2026-11-24T07:33:28: Opening ipv4 listen socket on port 1.\n"
                                   "2026-11-24T07:33:28: Error: Address already in use"),
              "Address already in use");
    // ... and when the plugin cannot be loaded (default timestamps).
    EXPECT_EQ(broker_failure_cause("1795505598: Loading plugin: /x.so\n"
                                   "1795505598: Error: Unable to load auth plugin \"/x.so\".\n"
                                   "1795505598: Load error: /x.so: cannot open shared object file\n"
                                   "\n"),
              "Load error: /x.so: cannot open shared object file");
    EXPECT_EQ(broker_failure_cause("2026-11-24T07:33:28: mosquitto version 2.0.11 terminating\r\n"),
              "mosquitto version 2.0.11 terminating");  // no error: the last line
    EXPECT_EQ(broker_failure_cause("Warning: no timestamp here: kept\n"),
              "Warning: no timestamp here: kept");
    EXPECT_EQ(broker_failure_cause(""), "");
    EXPECT_EQ(broker_failure_cause("\n\n"), "");
}

// A stand-in for mosquitto that logs a taken port and exits 1, every time.
std::string failing_broker(const servertest::ScratchDir& dir, const std::string& log) {
    const std::string path = dir.file("fake-mosquitto");
    std::ofstream(path) << "#!/bin/sh\n"
                        << "echo 'T: Opening ipv4 listen socket on port 1.' >> " << log << "\n"
                        << "printf '2026-11-24T07:33:28: Error: Address already in use' >> " << log
                        << "\n"
                        << "exit 1\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

// Ticks with a clock 100 ms ahead each time (so backoffs pass quickly but a
// child never looks like it ran for kStableRunMs) until `done` or 20 s of real time.
template <typename Done>
void tick_until(BrokerSupervisor& supervisor, std::int64_t& now, Done done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < until) {
        now += 100;
        supervisor.tick(now);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the child runs for real
    }
}

TEST(ServerSupervisor, GivesUpOnABrokerThatNeverStartsNamingTheCause) {
    servertest::ScratchDir dir;
    const std::string log = dir.file("mosquitto.log");
    BrokerSupervisor supervisor(failing_broker(dir, log), dir.file("conf"), log);
    std::int64_t now = 0;
    supervisor.start(now);
    tick_until(supervisor, now, [&] { return supervisor.gave_up(); });
    ASSERT_TRUE(supervisor.gave_up());
    EXPECT_EQ(supervisor.restarts(), kMaxStartupFailures - 1);
    EXPECT_FALSE(supervisor.running());
    EXPECT_EQ(supervisor.failure(),
              "the broker could not start: Address already in use (it exited with status 1, 3 "
              "times in a row; its log: " +
                  log + ")");
    EXPECT_EQ(supervisor.wait_hint_ms(now), -1);  // nothing more to do
    supervisor.tick(now + 60000);
    EXPECT_FALSE(supervisor.running());
}

TEST(ServerSupervisor, AfterReadyItRestartsForever) {
    servertest::ScratchDir dir;
    const std::string log = dir.file("mosquitto.log");
    BrokerSupervisor supervisor(failing_broker(dir, log), dir.file("conf"), log);
    std::int64_t now = 0;
    supervisor.start(now);
    supervisor.mark_ready();
    tick_until(supervisor, now, [&] { return supervisor.restarts() >= 2 * kMaxStartupFailures; });
    EXPECT_GE(supervisor.restarts(), 2 * kMaxStartupFailures);
    EXPECT_FALSE(supervisor.gave_up());
}

TEST(ServerSecrets, KeyFileIsCreatedPrivateAndReadBack) {
    servertest::ScratchDir dir;
    const std::string path = dir.file("token.key");
    const std::string key = load_or_create_key(path);
    EXPECT_EQ(key.size(), 64U);  // 48 bytes as base64url
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, key + "\n");
    EXPECT_EQ(load_or_create_key(path), key);  // not recreated
    EXPECT_NE(load_or_create_key(dir.file("service.key")), key);
}

TEST(ServerSecrets, OpenOrShortKeyFilesAreRefused) {
    servertest::ScratchDir dir;
    const std::string path = dir.file("token.key");
    load_or_create_key(path);
    ::chmod(path.c_str(), 0640);
    EXPECT_THROW(mqchat::token::read_key_file(path), std::runtime_error);
    EXPECT_THROW(load_or_create_key(path), std::runtime_error);
    const std::string short_key = dir.file("short.key");
    { std::ofstream(short_key) << "tooshort\n"; }
    ::chmod(short_key.c_str(), 0600);
    EXPECT_THROW(mqchat::token::read_key_file(short_key), std::runtime_error);
    try {
        mqchat::token::read_key_file(path);
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos);
    }
}

TEST(ServerSecrets, TrailingWhiteSpaceIsNotPartOfTheKey) {
    servertest::ScratchDir dir;
    const std::string path = dir.file("k");
    { std::ofstream(path) << std::string(40, 'k') << " \t\r\n\n"; }
    ::chmod(path.c_str(), 0600);
    EXPECT_EQ(mqchat::token::read_key_file(path), std::string(40, 'k'));
}

TEST(ServerArchiver, RoomOfTopic) {
    EXPECT_EQ(room_of_topic("chat/general/messages"), "general");
    EXPECT_EQ(room_of_topic("chat/a.b-c_d/messages"), "a.b-c_d");
    for (const char* bad :
         {"chat//messages", "chat/a/b/messages", "chat/general/other", "x/general/messages",
          "chat/general/messages/x", "chat/+/messages", "chat/messages"})
        EXPECT_FALSE(room_of_topic(bad)) << bad;
}

TEST(ServerArchiver, StoresEveryDialectOnceAndSkipsGarbage) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    const std::string topic = "chat/general/messages";
    auto r = archive_payload(*store, topic,
                             R"({"id":"c1","user":"a","text":"canonical","timestamp":1})", 10);
    EXPECT_EQ(r.stored, 1U);
    r = archive_payload(*store, topic, R"({"id":"c1","user":"a","text":"canonical","timestamp":1})",
                        11);
    EXPECT_EQ(r.stored, 0U);
    EXPECT_EQ(r.duplicates, 1U);
    r = archive_payload(*store, topic, R"({"user":"b","text":"seed","timestamp":2})", 12);
    EXPECT_EQ(r.stored, 1U);
    r = archive_payload(*store, topic, R"({"user":"b","text":"seed","timestamp":2})", 13);
    EXPECT_EQ(r.duplicates, 1U);  // the derived id is stable
    r = archive_payload(
        *store, topic,
        R"([{"user":{"custom_name":"C"},"text_message":{"text":"one"},"sent_at":"2024-11-24T09:41:00Z"},{"bad":1}])",
        14);
    EXPECT_EQ(r.stored, 1U);
    EXPECT_NE(r.notice, "");  // the bad entry is reported, the good one kept
    r = archive_payload(*store, topic, "plain words", 15);
    EXPECT_EQ(r.stored, 1U);
    for (const std::string& garbage :
         {std::string("\xff\xfe"), std::string("a\0b", 3), std::string(""),
          std::string(40, '[') + std::string(40, ']'), std::string("{}")}) {
        r = archive_payload(*store, topic, garbage, 16);
        EXPECT_EQ(r.stored, 0U);
        EXPECT_NE(r.notice, "");
    }
    r = archive_payload(*store, "chat/bad+room/messages", "text", 17);
    EXPECT_EQ(r.stored, 0U);
    EXPECT_NE(r.notice, "");
    EXPECT_EQ(store->message_count("general"), 4);
}

}  // namespace
