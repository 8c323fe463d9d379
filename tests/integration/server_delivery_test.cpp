// What mqchatd promises about delivery, against the real stack: a message the
// broker acknowledged is archived exactly once even when the database is
// locked and mqchatd is killed, or the disk is full; revoked sessions and
// deleted accounts lose their MQTT connections; POST is idempotent by id.
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/sqlite_lock.hpp"
#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kTopic = "chat/general/messages";
constexpr const char* kNoControlChannel = "its plugin does not take the control channel";

std::string canonical(const std::string& id, const std::string& user, const std::string& text) {
    return json{
        {"id", id}, {"user", user}, {"name", "Alice"}, {"text", text}, {"timestamp", 1732412345678}}
        .dump();
}

// Alice with a session and a token.
StackAccount add_alice(const Stack& stack) {
    return stack.add_account("alice@example.org", "Alice", kPassword);
}

RunResult send(const Stack& stack, const StackAccount& a, const std::string& id,
               const std::string& text = "hello") {
    return publish_as(stack.mqtt_port(), a.id, a.token, a.id + "-pub", kTopic,
                      canonical(id, a.id, text));
}

json history(const Stack& stack, const std::string& session) {
    const auto r = stack.http().get("/api/rooms/general/messages?limit=500", session);
    return r.status == 200 ? r.json() : json::array();
}

// How many archived messages have `id`.
std::size_t copies(const json& messages, const std::string& id) {
    std::size_t n = 0;
    for (const auto& m : messages)
        n += m.at("id") == id ? 1 : 0;
    return n;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = kDeadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

bool wait_archived(const Stack& stack, const std::string& session, const std::string& id) {
    return wait_until([&] { return copies(history(stack, session), id) > 0; });
}

bool alive(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

TEST(ServerDelivery, MessagesHeldWhileTheDatabaseIsLockedSurviveAKill9) {
    Stack stack;
    const StackAccount a = add_alice(stack);
    const std::vector<std::string> ids = {"held-1", "held-2", "held-3"};
    {
        SqliteWriteLock lock(stack.data_dir() + "/mqchatd.db");
        for (const auto& id : ids)
            ASSERT_EQ(send(stack, a, id).status, 0) << "the broker acknowledged it to its sender";
        // After a second of the lock, the archiver says it holds them unacknowledged.
        ASSERT_TRUE(stack.process().wait_for_err(
            "archive closed: the database is locked by another process"))
            << stack.log();
        EXPECT_EQ(history(stack, a.session).size(), 0U);  // readers are not blocked, nothing stored
        const auto health = stack.http().get("/healthz");
        EXPECT_EQ(health.status, 503);
        EXPECT_EQ(health.json().at("archive"), "closed: the database is locked by another process");
        const auto broker = stack.broker_pid();
        ASSERT_TRUE(broker);
        stack.stop(SIGKILL);
        // The broker is told by its parent-death signal, saves its sessions and stops.
        ASSERT_TRUE(wait_until([&] { return !alive(*broker); }));
    }
    stack.start();
    ASSERT_TRUE(wait_archived(stack, a.session, "held-3")) << stack.log();
    ASSERT_EQ(send(stack, a, "after-restart").status, 0);
    ASSERT_TRUE(wait_archived(stack, a.session, "after-restart")) << stack.log();
    const json h = history(stack, a.session);
    for (const auto& id : ids)
        EXPECT_EQ(copies(h, id), 1U) << id << " in " << h.dump();
    EXPECT_EQ(h.size(), ids.size() + 1);
}

// A 3 MB tmpfs as the data dir, unmounted when done.
class SmallDisk {
  public:
    SmallDisk() {
        if (::geteuid() != 0) {
            problem_ = "mounting a 3 MB tmpfs as the data dir needs root (CI runs as root)";
            return;
        }
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=3m,mode=0700") != 0)
            problem_ = std::string("cannot mount a tmpfs: ") + std::strerror(errno);
    }
    ~SmallDisk() {
        if (problem_.empty()) ::umount2(dir_.path().c_str(), MNT_DETACH);
    }
    const std::string& problem() const { return problem_; }
    std::string path() const { return dir_.path(); }

    // Fills what is left with one file; false when nothing could be written.
    void fill() {
        std::ofstream out(path() + "/filler", std::ios::binary);
        const std::string chunk(4096, 'f');
        while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
        }
    }
    void free_space() { std::filesystem::remove(path() + "/filler"); }

  private:
    TempDir dir_;
    std::string problem_;
};

TEST(ServerDelivery, AFullDiskClosesTheArchiveAndLosesNothing) {
    SmallDisk disk;
    if (!disk.problem().empty()) GTEST_SKIP() << disk.problem();
    std::vector<std::string> sent;
    std::vector<std::string> refused;
    std::string session;
    {
        Stack stack({.data_dir = disk.path() + "/data", .extra_args = {}});
        const StackAccount a = add_alice(stack);
        session = a.session;
        disk.fill();
        // SQLite may reuse WAL space for a while: send until the archive closes.
        const std::string big(30000, 'x');
        const bool closed = wait_until([&] {
            const std::string id = "full-" + std::to_string(sent.size());
            const auto r = send(stack, a, id, big);
            EXPECT_EQ(r.status, 0) << "the broker acknowledged it: " << r.out << r.err;
            sent.push_back(id);
            return stack.http().get("/healthz").status == 503 || sent.size() >= 200;
        });
        ASSERT_TRUE(closed) << stack.log();
        const auto health = stack.http().get("/healthz");
        ASSERT_EQ(health.status, 503) << stack.log();
        EXPECT_EQ(health.json(), json({{"ok", false},
                                       {"broker", "up"},
                                       {"archive", "closed: no space left on device"}}));
        const auto login = stack.login("alice@example.org", kPassword);
        EXPECT_EQ(login.status, 503) << login.body;
        EXPECT_EQ(login.body, R"({"error":"the server's storage is full"})");
        const auto me = stack.http().get("/api/me", a.session);
        const auto publish = me.json().at("publish");
        EXPECT_EQ(publish.at("allowed"), false);
        EXPECT_EQ(publish.at("reason"), "the archive is closed: no space left on device");
        EXPECT_TRUE(publish.contains("rate")) << publish.dump();
        // More messages while it is closed: the broker's plugin refuses them
        // (PUBACK 0x87), so no sender is told they were stored; and a state
        // change is one log line, not one per message.
        for (int i = 0; i < 5; ++i) {
            TempDir tmp;
            const std::string id = "while-full-" + std::to_string(i);
            const auto r =
                run({MOSQUITTO_PUB_BIN, "-d", "-V", "5", "-p", std::to_string(stack.mqtt_port()),
                     "-q", "1", "-u", a.id, "-P", a.token, "-i", a.id + "-pub", "-t", kTopic, "-f",
                     tmp.write("payload", canonical(id, a.id, "refused"))});
            EXPECT_NE(r.out.find("RC:135"), std::string::npos) << r.out;
            refused.push_back(id);
        }
        EXPECT_EQ(occurrences(stack.log(), "archive closed"), 1U) << stack.log();
        EXPECT_EQ(stack.http().get("/healthz").status, 503);

        disk.free_space();
        ASSERT_TRUE(wait_until([&] { return stack.http().get("/healthz").status == 200; }))
            << stack.log();
        EXPECT_NE(stack.log().find("archive open again"), std::string::npos);
        ASSERT_TRUE(wait_archived(stack, a.session, sent.back())) << stack.log();
        const json h = history(stack, a.session);
        for (const auto& id : sent)
            EXPECT_EQ(copies(h, id), 1U) << id;
        for (const auto& id : refused)
            EXPECT_EQ(copies(h, id), 0U) << id;
        EXPECT_EQ(stack.login("alice@example.org", kPassword).status, 200);
    }
}

TEST(ServerDelivery, PostWithAClientIdIsStoredAndPublishedOnce) {
    Stack stack;
    const StackAccount a = add_alice(stack);
    stack.add_user("bob@example.org", "Bob", kPassword);
    const std::string bob = stack.session("bob@example.org", kPassword);
    MqttSubscriber live(stack.mqtt_port(), a.id, a.token, a.id + "-sub", kTopic);
    const std::string body = R"({"text":"once","id":"script-run-42"})";
    const auto first = stack.http().post("/api/rooms/general/messages", body, a.session);
    ASSERT_EQ(first.status, 201) << first.body;
    const auto retry = stack.http().post("/api/rooms/general/messages", body, a.session);
    EXPECT_EQ(retry.status, 200);
    EXPECT_EQ(retry.json(), first.json());
    const auto other = stack.http().post("/api/rooms/general/messages", body, bob);
    EXPECT_EQ(other.status, 409) << other.body;
    ASSERT_EQ(
        stack.http().post("/api/rooms/general/messages", R"({"text":"end"})", a.session).status,
        201);
    ASSERT_TRUE(live.wait_for_count(2)) << live.output();
    EXPECT_EQ(live.payloads().size(), 2U);
    EXPECT_EQ(json::parse(live.payloads()[0]).at("id"), "script-run-42");
    EXPECT_EQ(copies(history(stack, a.session), "script-run-42"), 1U);
}

TEST(ServerDelivery, MeSaysWhoAndWhetherTheyMayPublish) {
    Stack stack({.data_dir = "", .extra_args = {"--user-quota", "1K"}});
    const StackAccount a = add_alice(stack);
    auto me = stack.http().get("/api/me", a.session);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.json(), json::parse(R"({"user":{"id":"alice","name":"Alice"},
                             "publish":{"allowed":true,"rate":{"per_second":100,"burst":2000}}})"));
    ASSERT_EQ(send(stack, a, "big", std::string(1100, 'x')).status, 0);
    ASSERT_TRUE(wait_archived(stack, a.session, "big"));
    me = stack.http().get("/api/me", a.session);
    EXPECT_EQ(me.json().at("publish"), json({{"allowed", false},
                                             {"reason", "storage quota of 1 KiB used"},
                                             {"rate", {{"per_second", 100}, {"burst", 2000}}}}));
    const auto post =
        stack.http().post("/api/rooms/general/messages", R"({"text":"more"})", a.session);
    EXPECT_EQ(post.status, 403);
    EXPECT_EQ(post.json().at("error"), "storage quota of 1 KiB used");
    EXPECT_EQ(stack.http().get("/api/me").status, 401);
}

// --- cutting MQTT connections (through the broker plugin's control channel) -------------------

// Whether this build's plugin takes control messages: mqchatd says so at
// startup (before "ready") when the broker refused them.
bool plugin_takes_control(const Stack& stack) {
    return stack.log().find(kNoControlChannel) == std::string::npos;
}

// Connects a subscriber with alice's token, runs `revoke`, and checks that
// the broker disconnects it and refuses the token; the time it took is
// recorded as `what`_to_disconnect_ms (printed, never asserted).
void expect_cut(const Stack& stack, const std::string& what,
                const std::function<int(const StackAccount&)>& revoke) {
    const StackAccount a = add_alice(stack);
    MqttSubscriber sub(stack.mqtt_port(), a.id, a.token, a.id + "-cut", kTopic);
    const auto from = std::chrono::steady_clock::now();
    ASSERT_EQ(revoke(a), 0) << what;
    ASSERT_TRUE(sub.process().wait_exit(kDeadline))
        << "still connected after " << what << ": " << sub.output();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - from)
                        .count();
    std::printf("%s-to-disconnect ms: %ld\n", what.c_str(), static_cast<long>(ms));
    ::testing::Test::RecordProperty(what + "_to_disconnect_ms", std::to_string(ms));
    EXPECT_NE(send(stack, a, "after-" + what).status, 0) << "the token still works after " << what;
}

TEST(ServerRevocation, LogoutCutsTheSessionsMqttConnections) {
    Stack stack;
    ASSERT_TRUE(plugin_takes_control(stack)) << stack.log();
    expect_cut(stack, "logout", [&](const StackAccount& a) {
        return stack.http().post("/api/logout", "", a.session).status == 204 ? 0 : 1;
    });
}

TEST(ServerRevocation, UserDelCutsTheAccountsMqttConnections) {
    Stack stack;
    ASSERT_TRUE(plugin_takes_control(stack)) << stack.log();
    expect_cut(stack, "user-del", [&](const StackAccount&) {
        return stack.mqchatd({"user", "del", "alice@example.org"}).status;
    });
}

// mqchatd's side alone: it notices the deletion and says so, whatever the plugin does with it.
TEST(ServerRevocation, MqchatdNoticesADeletedAccountWithinItsPoll) {
    Stack stack;
    add_alice(stack);
    ASSERT_EQ(stack.mqchatd({"user", "del", "alice@example.org"}).status, 0);
    EXPECT_TRUE(
        stack.process().wait_for_err("control: account alice deleted: its connections are cut"))
        << stack.log();
}

}  // namespace
