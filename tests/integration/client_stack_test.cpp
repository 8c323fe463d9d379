// mqchat against the real stack (mqchatd + Mosquitto + plugin): login, send,
// tail with history, token refresh while sending and tailing, logout.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "mqchat_runner.hpp"
#include "person.hpp"
#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

struct Accounts {
    explicit Accounts(Stack& s) {
        s.add_user("alice@example.com", "Alice", "alice-password");
        s.add_user("bob@example.com", "Bob", "bob-password");
    }
};

json history(const Stack& stack, const std::string& room, int limit = 100) {
    const auto session = stack.session("bob@example.com", "bob-password");
    auto r = stack.http().get("/api/rooms/" + room + "/messages?limit=" + std::to_string(limit),
                              session);
    if (r.status != 200)
        throw std::runtime_error("history: " + std::to_string(r.status) + " " + r.body);
    return r.json();
}

TEST(ClientStack, SendIsArchivedOnceAndReachesATail) {
    Stack stack;
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    Person bob(stack, "bob@example.com", "bob-password");
    auto tail = bob.start({"general", "--tail", "-v", "-n", "0", "-C", "1", "--json"});
    ASSERT_TRUE(tail->wait_for_err("subscribed to chat/general/messages")) << tail->err();
    auto r = alice.mqchat({"general", "--send", "hello from alice"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(tail->wait_exit(), 0) << tail->err();
    const json live = json::parse(tail->out());
    EXPECT_EQ(live.at("user"), "alice");
    EXPECT_EQ(live.at("name"), "Alice");
    EXPECT_EQ(live.at("text"), "hello from alice");
    // The archiver is asynchronous: poll until the message is in history.
    json h;
    for (int i = 0; i < 600 && (h = history(stack, "general")).empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(h.size(), 1U) << h.dump();
    EXPECT_EQ(h[0].at("id"), live.at("id"));
    const std::string log = stack.log();
    EXPECT_EQ(log.find("alice-password"), std::string::npos);
}

// The broker answers a message over the account's rate only "not authorized":
// the sender is told the limit the server names, and the rest is kept.
// A backlog going out faster than the account's publish rate is refused by
// the broker (0x87) once the burst is spent; the sender learns the rate from
// the server and sends the rest under it, each message once, instead of
// failing a script that had a big file to send.
TEST(ClientStack, SendOverTheRateLimitIsPacedUnderIt) {
    Stack stack({.data_dir = "", .extra_args = {"--user-rate", "2", "--user-burst", "3"}});
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    std::string lines;
    for (int i = 1; i <= 8; ++i)
        lines += "line " + std::to_string(i) + "\n";
    auto r = alice.mqchat({"general", "--send", "-", "-W", "60"}, lines);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("over the account's 2 messages/s"), std::string::npos) << r.err;
    json h;
    for (int i = 0; i < 600 && (h = history(stack, "general")).size() < 8; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::map<std::string, int> seen;
    for (const auto& m : h)
        ++seen[m.at("text").get<std::string>()];
    ASSERT_EQ(seen.size(), 8u) << h.dump();
    for (const auto& [text, n] : seen)
        EXPECT_EQ(n, 1) << text;
}

// Right after a broker crash mqchatd's front answers CONNACK 0x88 (server
// unavailable) until its archiver is subscribed again: a one-shot send waits
// that out and is archived, instead of failing with exit 7.
TEST(ClientStack, SendStartedWhileTheBrokerRestartsWaitsForIt) {
    Stack stack;
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    const auto pid = stack.broker_pid();
    ASSERT_TRUE(pid);
    ::kill(*pid, SIGKILL);
    auto r = alice.mqchat({"general", "--send", "during the restart", "-v", "-W", "30"});
    ASSERT_EQ(r.status, 0) << r.err;
    json h;
    for (int i = 0; i < 600 && (h = history(stack, "general")).empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(h.size(), 1U) << h.dump();
    EXPECT_EQ(h[0].at("text"), "during the restart");
}

TEST(ClientStack, TailShowsHistoryThenLiveWithNoGapAndNoDuplicate) {
    Stack stack;
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    Person bob(stack, "bob@example.com", "bob-password");
    std::string lines;
    for (int i = 1; i <= 5; ++i)
        lines += "old " + std::to_string(i) + "\n";
    ASSERT_EQ(alice.mqchat({"general", "--send", "-"}, lines).status, 0);
    while (history(stack, "general").size() < 5)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto tail = bob.start({"general", "--tail", "-v", "-n", "3", "-C", "2", "--format", "%n: %m"});
    ASSERT_TRUE(tail->wait_for_err("subscribed to")) << tail->err();
    ASSERT_EQ(alice.mqchat({"general", "--send", "-"}, "new 1\nnew 2\n").status, 0);
    ASSERT_EQ(tail->wait_exit(), 0) << tail->err();
    EXPECT_EQ(tail->out(),
              "Alice: old 3\nAlice: old 4\nAlice: old 5\nAlice: new 1\nAlice: new 2\n");
}

TEST(ClientStack, NoFollowAndLinesPageThroughHistory) {
    Stack stack;
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    std::string lines;
    for (int i = 1; i <= 620; ++i)
        lines += "m" + std::to_string(i) + "\n";
    ASSERT_EQ(alice.mqchat({"big", "--send", "-"}, lines).status, 0);
    for (int i = 0; i < 600; ++i) {
        auto r = alice.mqchat({"big", "--tail", "--no-follow", "-n", "1", "--format", "%m"});
        if (r.out == "m620\n") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto r = alice.mqchat({"big", "--tail", "--no-follow", "-n", "600", "--format", "%m"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto got = split_lines(r.out);
    ASSERT_EQ(got.size(), 600U);
    EXPECT_EQ(got.front(), "m21");
    EXPECT_EQ(got.back(), "m620");
}

TEST(ClientStack, TokensAreRefreshedWhileSendingAndTailing) {
    Stack stack({{}, {"--token-ttl", "6"}});
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    Person bob(stack, "bob@example.com", "bob-password");
    auto tail = bob.start({"general", "--tail", "-v", "-n", "0", "--format", "%m"});
    ASSERT_TRUE(tail->wait_for_err("subscribed to")) << tail->err();
    // One long-running sender: lines arrive over ~15 s, across at least two
    // token lifetimes of 6 s (refresh at 80 %).
    auto sender = alice.start({"general", "--send", "-", "-v"}, true);
    const int total = 30;
    for (int i = 1; i <= total; ++i) {
        sender->write_stdin("tick " + std::to_string(i) + "\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    sender->close_stdin();
    ASSERT_EQ(sender->wait_exit(), 0) << sender->err();
    EXPECT_NE(sender->err().find("reconnecting with a new token"), std::string::npos)
        << sender->err();
    ASSERT_TRUE(tail->wait_for_out("tick " + std::to_string(total) + "\n"))
        << tail->out() << tail->err();
    std::string expected;
    for (int i = 1; i <= total; ++i)
        expected += "tick " + std::to_string(i) + "\n";
    EXPECT_EQ(tail->out(), expected) << tail->err();
    EXPECT_NE(tail->err().find("reconnecting with a new token"), std::string::npos) << tail->err();
    EXPECT_EQ(tail->err().find("lost ("), std::string::npos)
        << tail->err();  // never kicked for expiry
}

TEST(ClientStack, LogoutRevokesTheSession) {
    Stack stack;
    Accounts accounts(stack);
    Person alice(stack, "alice@example.com", "alice-password");
    const std::string saved = read_file(alice.session_file());
    ASSERT_EQ(alice.mqchat({"logout"}).status, 0);
    auto r = alice.mqchat({"general", "--send", "after logout"});
    EXPECT_EQ(r.status, 4);
    EXPECT_NE(r.err.find("not logged in"), std::string::npos) << r.err;
    // A copy of the old session file is worth nothing now.
    TempDir state;
    std::filesystem::create_directories(state.path() + "/mqchat");
    state.write("mqchat/session.json", saved);
    r = run({mqchat_bin(), "general", "--send", "with a stolen session"}, "",
            {{"XDG_STATE_HOME=" + state.path()}, false});
    EXPECT_EQ(r.status, 4) << r.err;
    EXPECT_NE(r.err.find("expired or was revoked"), std::string::npos) << r.err;
}

TEST(ClientStack, WrongPasswordExits4) {
    Stack stack;
    Accounts accounts(stack);
    TempDir home;
    auto r = run(
        {mqchat_bin(), "login", "--server", "http://127.0.0.1:" + std::to_string(stack.http_port()),
         "--email", "alice@example.com", "--password-stdin"},
        "not-her-password\n", {{"XDG_STATE_HOME=" + home.path()}, false});
    EXPECT_EQ(r.status, 4);
    EXPECT_NE(r.err.find("invalid email or password"), std::string::npos) << r.err;
}

}  // namespace
