// libmqchat_auth.so's control channel, session revocation and publish rate
// inside a real Mosquitto 2.0: mqchatd's orders on $mqchatd/control (sent
// here over one long service connection, as mqchatd does) and what clients
// see of them — PUBACK 0x87, DISCONNECT 0x98, CONNACK 0x87.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "plugin_broker.hpp"

namespace {

using namespace testsupport;
using namespace testsupport::plugin;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kGeneral = room_topic("general");
const std::string kControl = "$mqchatd/control";
constexpr int kNoSubscribers = 16;  // PUBACK 0x10: accepted, routed to nobody

// The PUBACK codes mosquitto_pub -d printed, in order.
std::vector<int> puback_codes(const std::string& out) {
    static const std::regex re(R"(received PUBACK \(Mid: \d+, RC:(\d+)\))");
    std::vector<int> codes;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator();
         ++it)
        codes.push_back(std::stoi((*it)[1]));
    return codes;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

// mqchatd's control link: one MQTT 5 service connection (mosquitto_pub -l)
// that publishes each send() as a QoS 1 message on $mqchatd/control. The
// broker runs the plugin's MOSQ_EVT_MESSAGE before it sends the PUBACK, so
// once send() returns the order is in force.
class ControlLink {
  public:
    explicit ControlLink(const AuthBroker& broker, const std::string& suffix = "archiver") {
        std::vector<std::string> argv =
            tool_args(MOSQUITTO_PUB_BIN, broker, service(suffix), kControl);
        argv.insert(argv.begin(), {"/usr/bin/stdbuf", "-oL"});
        argv.push_back("-l");
        ProcessOptions options;
        options.pipe_stdin = true;
        process_ = std::make_unique<Process>(argv, options);
        if (!process_->wait_for_out("received CONNACK (0)"))
            throw std::runtime_error("control link not connected: " + process_->err());
    }

    // Publishes one line and returns its PUBACK code (-1: none came).
    int send(const std::string& line) {
        const std::size_t before = puback_codes(process_->out()).size();
        process_->write_stdin(line + "\n");
        if (!process_->wait_for([&](const std::string& out, const std::string&) {
                return puback_codes(out).size() > before;
            }))
            return -1;
        return puback_codes(process_->out()).at(before);
    }

    Process& process() { return *process_; }

  private:
    std::unique_ptr<Process> process_;
};

std::string archive(bool open, const std::string& reason = "") {
    json m = {{"kind", "archive"}, {"open", open}};
    if (!reason.empty()) m["reason"] = reason;
    return m.dump();
}

std::string revoke_session(const std::string& sid, std::int64_t until) {
    return json{{"kind", "revoke-session"}, {"sid", sid}, {"until", until}}.dump();
}

std::string revoke_user(const std::string& user) {
    return json{{"kind", "revoke-user"}, {"user", user}}.dump();
}

std::string quota(const std::string& user, bool over) {
    return json{{"kind", "quota"}, {"user", user}, {"over", over}, {"reason", "100 MiB used"}}
        .dump();
}

// A 32-hex sid, as mqchatd derives them, distinct per `n`.
std::string sid(int n) {
    char text[33];
    std::snprintf(text, sizeof text, "%032x", n);
    return text;
}

// A publish by `who` on #general from a connection of its own (client id
// "<user>-say"), so it never takes a subscriber's client id over.
RunResult say(const AuthBroker& broker, Credentials who, const std::string& text) {
    who.client_id = who.username + "-say";
    return publish_as(broker, who, kGeneral, canonical(who.username, text));
}

// The subscriber was disconnected by the broker (DISCONNECT 0x98) and left.
testing::AssertionResult kicked(Sub& sub) {
    if (!sub.process().wait_exit())
        return testing::AssertionFailure() << "still connected: " << sub.process().out();
    if (sub.process().out().find("Received DISCONNECT (" + std::to_string(kAdministrativeAction) +
                                 ")") == std::string::npos)
        return testing::AssertionFailure() << "no DISCONNECT 0x98: " << sub.process().out();
    return testing::AssertionSuccess();
}

void record(const char* what, const std::vector<long>& ms) {
    std::vector<long> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    std::string all;
    for (long d : ms)
        all += (all.empty() ? "" : ", ") + std::to_string(d);
    // Recorded, never asserted: timing depends on the machine.
    std::printf("%s ms: %s (min %ld, median %ld, max %ld)\n", what, all.c_str(), sorted.front(),
                sorted[sorted.size() / 2], sorted.back());
    testing::Test::RecordProperty(what, all);
}

// --- the archive --------------------------------------------------------------------------

TEST(PluginControl, AClosedArchiveRefusesUserPublishesUntilItOpens) {
    AuthBroker broker;
    ControlLink link(broker);
    Sub bob(broker, user("bob"), kGeneral);
    ASSERT_TRUE(bob.granted());
    ASSERT_EQ(link.send(archive(false, "no space left on device")), kNoSubscribers);
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(publish_refused(say(broker, user("alice"), "while closed")));
    EXPECT_TRUE(publish_refused(say(broker, user("bob"), "me neither")));
    ASSERT_EQ(link.send(archive(false, "no space left on device")), kNoSubscribers);  // a replay
    ASSERT_EQ(link.send(archive(true)), kNoSubscribers);
    const std::string after = canonical("alice", "open again");
    EXPECT_TRUE(publish_accepted(publish_as(broker, user("alice"), kGeneral, after)));
    ASSERT_TRUE(bob.wait_for_count(1));
    EXPECT_EQ(bob.messages().at(0), kGeneral + " " + after);  // nothing refused got through
    ASSERT_TRUE(log_has(broker, "mqchat_auth: archive open"));
    // One line per change, none per refused message or replay.
    EXPECT_EQ(occurrences(broker.log(), "archive closed (no space left on device)"), 1U);
    EXPECT_EQ(occurrences(broker.log(), "denied client \"alice-test\""), 0U);
}

// --- revoke-session -------------------------------------------------------------------------

TEST(PluginControl, ARevokedSessionIsKickedAndItsTokenRefusedWhileAnotherSessionWorks) {
    AuthBroker broker;
    ControlLink link(broker);
    const Credentials other = session_user("alice", sid(1000), "other");
    Sub survivor(broker, other, kGeneral);
    ASSERT_TRUE(survivor.granted());
    std::vector<long> latencies;
    for (int run = 0; run < 5; ++run) {
        const Credentials revoked = session_user("alice", sid(run), "laptop" + std::to_string(run));
        Sub sub(broker, revoked, kGeneral);
        ASSERT_TRUE(sub.granted()) << sub.process().err();
        const auto sent = Clock::now();
        ASSERT_EQ(link.send(revoke_session(sid(run), now_seconds() + 900)), kNoSubscribers);
        EXPECT_TRUE(kicked(sub));
        latencies.push_back(static_cast<long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent).count()));
        // The same token cannot come back, under any client id.
        EXPECT_TRUE(connect_refused(say(broker, revoked, "let me in")));
    }
    record("revoke_session_to_disconnect", latencies);
    EXPECT_TRUE(log_has(broker, "token's session revoked (logged out)"));
    EXPECT_TRUE(log_has(broker, "session " + sid(0) + " revoked until"));
    // The account's other session is untouched, and a new login may take a
    // revoked connection's client id over and stay.
    EXPECT_TRUE(survivor.process().running());
    const Credentials relogin = session_user("alice", sid(2000), "laptop0");
    Sub back(broker, relogin, kGeneral);
    ASSERT_TRUE(back.granted());
    const std::string payload = canonical("alice", "still here");
    EXPECT_TRUE(publish_accepted(
        publish_as(broker, session_user("alice", sid(1000), "say"), kGeneral, payload)));
    ASSERT_TRUE(survivor.wait_for_count(1));
    ASSERT_TRUE(back.wait_for_count(1));
    EXPECT_EQ(back.messages().at(0), kGeneral + " " + payload);
    EXPECT_TRUE(back.process().running());
}

// --- revoke-user ------------------------------------------------------------------------------

TEST(PluginControl, ARevokedAccountLosesEveryConnection) {
    AuthBroker broker;
    ControlLink link(broker);
    Sub with_sid(broker, session_user("alice", sid(1), "phone"), kGeneral);
    Sub without_sid(broker, session_user("alice", "", "laptop"), kGeneral);
    Sub bob(broker, user("bob"), kGeneral);
    ASSERT_TRUE(with_sid.granted() && without_sid.granted() && bob.granted());
    ASSERT_EQ(link.send(revoke_user("alice")), kNoSubscribers);
    EXPECT_TRUE(kicked(with_sid));
    EXPECT_TRUE(kicked(without_sid));
    EXPECT_TRUE(connect_refused(say(broker, user("alice"), "a fresh token")));
    EXPECT_TRUE(log_has(broker, "account \"alice\" revoked: disconnecting 2 connections"));
    EXPECT_TRUE(log_has(broker, "account revoked"));
    const std::string payload = canonical("carol", "bob is still here");
    EXPECT_TRUE(publish_accepted(publish_as(broker, user("carol"), kGeneral, payload)));
    ASSERT_TRUE(bob.wait_for_count(1));
    EXPECT_EQ(bob.messages().at(0), kGeneral + " " + payload);
}

// --- quota ---------------------------------------------------------------------------------------

TEST(PluginControl, AQuotaRefusesOnlyThatAccount) {
    AuthBroker broker;
    ControlLink link(broker);
    ASSERT_EQ(link.send(quota("alice", true)), kNoSubscribers);
    EXPECT_TRUE(publish_refused(say(broker, user("alice"), "over")));
    EXPECT_TRUE(publish_accepted(say(broker, user("bob"), "fine")));
    ASSERT_EQ(link.send(quota("alice", false)), kNoSubscribers);
    EXPECT_TRUE(publish_accepted(say(broker, user("alice"), "within again")));
    EXPECT_TRUE(log_has(broker, "account \"alice\" over quota (100 MiB used)"));
    EXPECT_TRUE(log_has(broker, "account \"alice\" within quota again"));
}

// --- who may use the control topic -------------------------------------------------------------

TEST(PluginControl, AUserCannotPublishOrSubscribeThere) {
    AuthBroker broker;
    // Even with a token that names the topic.
    token::Claims c = claims_for("alice", {"general"});
    c.acl.push_back({"allow", "all", kControl});
    const Credentials alice{"alice", token::sign(c, kTokenKey), "alice-test"};
    EXPECT_TRUE(publish_refused(publish_as(broker, alice, kControl, archive(false, "by alice"))));
    EXPECT_TRUE(publish_accepted(say(broker, alice, "the archive is still open")));
    EXPECT_TRUE(log_has(broker, "publish on \"$mqchatd/control\""));
    for (const std::string filter : {"$mqchatd/control", "$mqchatd/#", "$mqchatd/+"}) {
        Sub spy(broker, alice, filter);
        EXPECT_TRUE(subscribe_refused(spy)) << filter;
        Sub service_spy(broker, service("spy"), filter);
        EXPECT_TRUE(subscribe_refused(service_spy)) << filter;
    }
}

TEST(PluginControl, GarbageFromTheServiceChangesNothingAndCrashesNothing) {
    AuthBroker broker;
    Sub alice_sub(broker, session_user("alice", sid(7), "sub"), kGeneral);
    ASSERT_TRUE(alice_sub.granted());
    {
        ControlLink link(broker);
        for (const std::string& line :
             {std::string("not json"), std::string("[]"), std::string("null"),
              std::string(R"({"kind":"archive","open":"false"})"),
              std::string(R"({"kind":"revoke-session","sid":")") + sid(7) + R"(","until":"soon"})",
              std::string(R"({"kind":"revoke-user","user":"ALICE"})"),
              std::string(R"({"kind":"quota","user":"alice","over":1})"),
              std::string(R"({"kind":"self-destruct"})"), std::string(100000, '['),
              std::string(3000, '{'),
              R"({"kind":"archive","open":false,"reason":")" + std::string(5000, 'x') + R"("})"})
            EXPECT_EQ(link.send(line), kNoSubscribers) << line.substr(0, 60);
    }
    // Raw bytes too, on connections of their own.
    for (const std::string& bytes :
         {std::string(""), std::string("\0\xff\xfe{\"kind\"", 9), std::string(60000, '\x1b')})
        EXPECT_EQ(puback_code(publish_as(broker, service("garbage"), kControl, bytes)),
                  kNoSubscribers);
    EXPECT_TRUE(wait_port_open(broker.port()));
    EXPECT_TRUE(publish_accepted(say(broker, session_user("alice", sid(7), "pub"), "unchanged")));
    ASSERT_TRUE(alice_sub.wait_for_count(1));
    EXPECT_TRUE(alice_sub.process().running());
    EXPECT_TRUE(publish_accepted(say(broker, user("bob"), "unchanged")));
    // Bounded: one line for the first, the rest of the minute counted silently.
    EXPECT_TRUE(log_has(broker, "mqchat_auth: ignored a control message: not a JSON object"));
    EXPECT_LE(occurrences(broker.log(), "ignored a control message"), 2U) << broker.log();
}

// --- the control sender reconnecting
// --------------------------------------------------------------

// Mosquitto 2.0.11 (connect__on_authorised) admits a connection that takes a
// client id over before it closes the old one: the old one's DISCONNECT must
// not cost the new one its record, or its replay would be refused (0x87).
TEST(PluginControl, TheServiceTakingItsIdOverReplaysTheState) {
    AuthBroker broker;
    ControlLink first(broker);
    ASSERT_EQ(first.send(quota("alice", true)), kNoSubscribers);
    ASSERT_EQ(first.send(quota("bob", true)), kNoSubscribers);
    ASSERT_EQ(first.send(archive(false, "database locked")), kNoSubscribers);
    first.process().signal(SIGSTOP);  // hung: it can neither answer nor reconnect
    ControlLink second(broker);
    EXPECT_TRUE(
        log_has(broker, "Client $mqchatd-archiver already connected, closing old connection"));
    // The replay: archive open, only bob still over quota (alice's was lifted).
    EXPECT_EQ(second.send(archive(true)), kNoSubscribers);
    EXPECT_EQ(second.send(quota("bob", true)), kNoSubscribers);
    EXPECT_TRUE(publish_accepted(say(broker, user("alice"), "lifted while mqchatd was away")));
    EXPECT_TRUE(publish_refused(say(broker, user("bob"), "still over")));
    first.process().signal(SIGKILL);
}

// --- the publish rate
// --------------------------------------------------------------------------------

// mqchatd's queue settings: with the test brokers' "max_queued_messages 0",
// Mosquitto 2.0.11 drops a connection that pipelines publishes past a
// PUBACK 0x87 (seen with any refusal, not only the rate's).
const std::string kQueues = "max_queued_messages 100000\nmax_inflight_messages 100\n";

TEST(PluginRate, RefusesBeyondTheBurstAndRecovers) {
    AuthBroker broker(kQueues + "plugin_opt_user_rate 1\nplugin_opt_user_burst 5\n");
    // Twenty publishes on one connection as fast as mosquitto_pub sends
    // them; each array of three messages is one publish.
    const std::string array = "[" + canonical("alice", "one") + "," + canonical("alice", "two") +
                              "," + canonical("alice", "three") + "]";
    std::string lines;
    for (int i = 0; i < 20; ++i)
        lines += array + "\n";
    std::vector<std::string> argv = tool_args(MOSQUITTO_PUB_BIN, broker, user("alice"), kGeneral);
    argv.push_back("-l");
    const auto start = Clock::now();
    const RunResult r = run(argv, lines);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
    const std::vector<int> codes = puback_codes(r.out);
    ASSERT_EQ(codes.size(), 20U) << r.out << r.err;
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(codes[i] == 0 || codes[i] == kNoSubscribers) << i << ": " << codes[i];
    const auto refused = std::count(codes.begin(), codes.end(), kNotAuthorized);
    std::printf("rate 1/s burst 5: %ld of 20 refused in %ld s\n", static_cast<long>(refused),
                static_cast<long>(seconds));
    // At one publish a second, at most 5 + seconds + 1 can pass.
    EXPECT_GE(refused, 20 - 5 - seconds - 1);
    // Another account has its own bucket.
    EXPECT_TRUE(publish_accepted(say(broker, user("bob"), "my own rate")));
    // A refill lets alice through again.
    const auto until = Clock::now() + kDeadline;
    bool recovered = false;
    while (!recovered && Clock::now() < until) {
        recovered = static_cast<bool>(publish_accepted(say(broker, user("alice"), "later")));
        if (!recovered) std::this_thread::sleep_for(300ms);
    }
    EXPECT_TRUE(recovered);
    EXPECT_TRUE(log_has(broker, "account \"alice\" publishes faster than 1/s (burst 5)"));
    EXPECT_LE(occurrences(broker.log(), "publishes faster than"), 1U + seconds / 60);
}

TEST(PluginRate, ZeroTurnsTheLimitOff) {
    AuthBroker broker(kQueues + "plugin_opt_user_rate 0\n");
    std::string lines;
    for (int i = 0; i < 300; ++i)
        lines += canonical("alice", "flood " + std::to_string(i)) + "\n";
    std::vector<std::string> argv = tool_args(MOSQUITTO_PUB_BIN, broker, user("alice"), kGeneral);
    argv.push_back("-l");
    const std::vector<int> codes = puback_codes(run(argv, lines).out);
    ASSERT_EQ(codes.size(), 300U);
    EXPECT_EQ(std::count(codes.begin(), codes.end(), kNotAuthorized), 0);
}

}  // namespace
