// mqchatd as a process: broker supervision, shutdown, the user commands,
// refusals at startup and what it writes to stderr.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/broker.hpp"
#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";

bool process_gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

bool wait_gone(pid_t pid) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!process_gone(pid)) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

bool holds_id(const json& messages, const std::string& id) {
    for (const auto& m : messages)
        if (m.at("id") == id) return true;
    return false;
}

TEST(ServerBroker, KilledBrokerChildIsRestartedAndTheStackWorksAgain) {
    Stack stack;
    const std::string id = stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    const std::string token = stack.token(session).at("accessToken");
    const auto first = stack.broker_pid();
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(::kill(*first, SIGKILL), 0);
    ASSERT_TRUE(wait_gone(*first));

    // Publish (same id every time: duplicates are ignored) until the new
    // broker takes it and the reconnected archiver stores it.
    const std::string payload =
        json{{"id", "after-kill"}, {"user", id}, {"text", "back"}, {"timestamp", 1}}.dump();
    bool archived = false;
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!archived && std::chrono::steady_clock::now() < until) {
        publish_as(stack.mqtt_port(), id, token, id + "-x", "chat/general/messages", payload);
        archived =
            holds_id(stack.http().get("/api/rooms/general/messages", session).json(), "after-kill");
        if (!archived) std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(archived) << stack.log();
    const auto second = stack.broker_pid();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(*second, *first);
    EXPECT_NE(stack.log().find("restarting in"), std::string::npos) << stack.log();

    // Live delivery of POSTed messages works again too.
    MqttSubscriber sub(stack.mqtt_port(), id, token, id + "-sub", "chat/general/messages");
    ASSERT_EQ(
        stack.http().post("/api/rooms/general/messages", R"({"text":"live"})", session).status,
        201);
    ASSERT_TRUE(sub.wait_for_count(1)) << sub.output() << stack.log();
    EXPECT_EQ(json::parse(sub.payloads().at(0)).at("text"), "live");
}

TEST(ServerLifecycle, SigtermStopsTheBrokerChildAndExitsZero) {
    Stack stack;
    const auto broker = stack.broker_pid();
    ASSERT_TRUE(broker.has_value());
    EXPECT_TRUE(wait_port_open(stack.mqtt_port()));
    EXPECT_TRUE(wait_port_open(stack.ws_port()));
    EXPECT_EQ(stack.process().out(), "ready\n");  // stdout carries nothing else
    EXPECT_EQ(stack.stop(SIGTERM), 0);
    EXPECT_TRUE(process_gone(*broker));
    EXPECT_NE(stack.log().find("broker stopped"), std::string::npos) << stack.log();
}

TEST(ServerLifecycle, SigintStopsCleanlyToo) {
    Stack stack;
    const auto broker = stack.broker_pid();
    ASSERT_TRUE(broker.has_value());
    EXPECT_EQ(stack.stop(SIGINT), 0);
    EXPECT_TRUE(process_gone(*broker));
}

TEST(ServerExternalBroker, NoChildTheUrlIsAdvertisedAndTheArchiverWorks) {
    Mosquitto broker;
    Stack stack({.data_dir = "", .extra_args = {"--broker-url", broker.url()}});
    EXPECT_FALSE(stack.broker_pid().has_value());
    stack.add_user("alice@example.org", "Alice", kPassword);
    const std::string session = stack.session("alice@example.org", kPassword);
    EXPECT_EQ(stack.token(session).at("brokers"),
              json::parse(R"([{"url":")" + broker.url() + R"("}])"));

    Subscriber sub(broker, "chat/general/messages");
    ASSERT_EQ(stack.http().post("/api/rooms/general/messages", R"({"text":"out"})", session).status,
              201);
    ASSERT_TRUE(sub.wait_for_count(1));
    EXPECT_EQ(json::parse(sub.payloads().at(0)).at("text"), "out");

    publish(broker, "chat/general/messages",
            R"({"id":"ext-1","user":"bob","text":"in","timestamp":1})");
    bool archived = false;
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!archived && std::chrono::steady_clock::now() < until) {
        archived =
            holds_id(stack.http().get("/api/rooms/general/messages", session).json(), "ext-1");
        if (!archived) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(archived) << stack.log();
    EXPECT_EQ(stack.stop(SIGTERM), 0);
    EXPECT_NE(stack.log().find("as $mqchatd-archiver-"), std::string::npos) << stack.log();
}

TEST(ServerCli, UserAddListDel) {
    Stack stack;
    auto r =
        stack.mqchatd({"user", "add", "Alice@Example.org", "--name", "Alice", "--password-stdin"},
                      std::string(kPassword) + "\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "added alice <alice@example.org> Alice\n");
    r = stack.mqchatd({"user", "add", "alice@example.org", "--password-stdin"},
                      "another password\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
    r = stack.mqchatd({"user", "add", "alice@other.org", "--password-stdin"}, "other password\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "added alice2 <alice@other.org> alice\n");  // unique id, default name
    r = stack.mqchatd({"user", "add", "bob@example.org", "--password-stdin"}, "short\n");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("shorter than 8"), std::string::npos) << r.err;
    r = stack.mqchatd({"user", "add", "carol@example.org", "--password-stdin"}, "");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("no password on stdin"), std::string::npos) << r.err;
    r = stack.mqchatd({"user", "add", "carol@example.org"}, "a password\n");  // stdin is no TTY
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--password-stdin"), std::string::npos) << r.err;
    r = stack.mqchatd({"user", "add", "not-an-email", "--password-stdin"}, "long enough\n");
    EXPECT_EQ(r.status, 2);

    r = stack.mqchatd({"user", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "alice\talice@example.org\tAlice\nalice2\talice@other.org\talice\n");

    // A session of a deleted user stops working at once.
    const std::string session = stack.session("alice@example.org", kPassword);
    r = stack.mqchatd({"user", "del", "ALICE@example.org"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(stack.http().post("/api/mqtt-token", "", session).status, 401);
    EXPECT_EQ(stack.login("alice@example.org", kPassword).status, 401);
    r = stack.mqchatd({"user", "del", "alice@example.org"});
    EXPECT_EQ(r.status, 1);
    r = stack.mqchatd({"user", "list"});
    EXPECT_EQ(r.out, "alice2\talice@other.org\talice\n");
}

// Bad values are not usage errors: one line saying what is wrong, exit 2.
TEST(ServerCli, UserAddSaysWhatIsWrongWithTheInput) {
    TempDir dir;
    const std::string data = dir.path() + "/data";
    const auto add = [&](std::vector<std::string> args, const std::string& input) {
        std::vector<std::string> argv = {MQCHATD_BIN, "user", "add"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--password-stdin", "--data", data});
        return run(argv, input);
    };
    const struct {
        std::vector<std::string> args;
        std::string input;
        std::string err;
    } cases[] = {
        {{"bob@example.org"}, "short\n", "mqchatd: the password is shorter than 8 characters\n"},
        {{"bob@example.org"},
         "",
         "mqchatd: no password on stdin (--password-stdin reads its first line)\n"},
        {{"bob@example.org", "--name", "bad\x07name"},
         "long enough\n",
         "mqchatd: the display name holds control or invisible characters: 'bad\\x07name'\n"},
        {{"not-an-email"},
         "long enough\n",
         "mqchatd: invalid email 'not-an-email': expected local@domain\n"},
    };
    for (const auto& c : cases) {
        const auto r = add(c.args, c.input);
        EXPECT_EQ(r.status, 2) << c.args[0];
        EXPECT_EQ(r.err, c.err);
        EXPECT_EQ(r.out, "");
    }
}

TEST(ServerCli, DeletedAccountIdsAreNeverReused) {
    Stack stack;
    EXPECT_EQ(stack.add_user("alice@example.org", "Alice", kPassword), "alice");
    const std::string session = stack.session("alice@example.org", kPassword);
    ASSERT_EQ(
        stack.http().post("/api/rooms/general/messages", R"({"text":"mine"})", session).status,
        201);
    ASSERT_EQ(stack.mqchatd({"user", "del", "alice@example.org"}).status, 0);
    EXPECT_EQ(stack.http().get("/api/rooms/general/messages", session).status, 401);

    // Neither the same email nor another one with that local part gets "alice"
    // back: the archived messages of "alice" stay the old account's.
    EXPECT_EQ(stack.add_user("alice@example.org", "New Alice", kPassword), "alice2");
    EXPECT_EQ(stack.add_user("alice+chat@example.net", "Other", kPassword), "alice3");
    const auto r = stack.mqchatd({"user", "list"});
    EXPECT_EQ(r.out,
              "alice2\talice@example.org\tNew Alice\nalice3\talice+chat@example.net\tOther\n");
}

TEST(ServerCli, ServeRefusesAMissingPluginAndAnOpenKeyFile) {
    TempDir dir;
    const std::string data = dir.path() + "/data";
    auto r = run({MQCHATD_BIN, "serve", "--data", data, "--http",
                  "127.0.0.1:" + std::to_string(free_port()), "--plugin", dir.path() + "/nope.so"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("plugin"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");

    ASSERT_EQ(::chmod((data + "/token.key").c_str(), 0644), 0);
    r = run({MQCHATD_BIN, "serve", "--data", data, "--http",
             "127.0.0.1:" + std::to_string(free_port())});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("token.key"), std::string::npos) << r.err;

    r = run({MQCHATD_BIN, "serve", "--data", data, "--http", "nonsense"});
    EXPECT_EQ(r.status, 2);
    r = run({MQCHATD_BIN, "serve", "--data", data, "--db", "postgresql://db/mqchat"});
    EXPECT_EQ(r.status, 2);
}

TEST(ServerCli, KeyFilesArePrivateAndLongEnough) {
    Stack stack;
    for (const char* name : {"token.key", "service.key"}) {
        struct stat st {};
        ASSERT_EQ(::stat((stack.data_dir() + "/" + name).c_str(), &st), 0) << name;
        EXPECT_EQ(st.st_mode & 0777, 0600U) << name;
        const std::string text = read_file(stack.data_dir() + "/" + name);
        EXPECT_EQ(text.size(), 65U) << name;  // 48 bytes as base64url + "\n"
    }
    EXPECT_NE(stack.token_key(), stack.service_key());
}

TEST(ServerLogs, NoSecretsInStderr) {
    Stack stack;
    const std::string secret_password = "Sup3r-secret-pa55word";
    const std::string id = stack.add_user("alice@example.org", "Alice", secret_password);
    EXPECT_EQ(stack.login("alice@example.org", "Wr0ng-pa55word-guess").status, 401);
    const std::string session = stack.session("alice@example.org", secret_password);
    const std::string token = stack.token(session).at("accessToken");
    ASSERT_EQ(stack.http().post("/api/rooms/general/messages", R"({"text":"hi"})", session).status,
              201);
    publish_as(stack.mqtt_port(), id, "bad-" + token, id + "-x", "chat/general/messages", "{}");
    ASSERT_EQ(stack.http().post("/api/logout", "", session).status, 204);
    EXPECT_EQ(stack.stop(SIGTERM), 0);

    const std::string logs[] = {stack.log(), read_file(stack.data_dir() + "/mosquitto.log")};
    for (const auto& log : logs) {
        EXPECT_FALSE(log.empty());
        for (const std::string& secret : {secret_password, std::string("Wr0ng-pa55word-guess"),
                                          session, token, stack.service_key(), stack.token_key()})
            EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret << "\n" << log;
        // Not even the token's signature part.
        EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)), std::string::npos);
    }
    EXPECT_NE(stack.log().find("login: alice from 127.0.0.1"), std::string::npos) << stack.log();
}

}  // namespace
