// --send against a real Mosquitto: canonical JSON on the wire, stdin streaming,
// refusals and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mqchat_runner.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

TEST(Send, ReachesMosquittoSubAsCanonicalJson) {
    Mosquitto broker;
    Subscriber sub(broker, "chat/general/messages");
    auto r = run(
        mqchat_argv(broker.url(), "general", {"--send", "héllo \"world\" ✓", "--user", "alice"}));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    ASSERT_TRUE(sub.wait_for_count(1));
    const json m = json::parse(sub.payloads().at(0));
    EXPECT_EQ(m.at("text"), "héllo \"world\" ✓");
    EXPECT_EQ(m.at("user"), "alice");
    EXPECT_EQ(m.at("id").get<std::string>().size(), 26U);
    EXPECT_TRUE(m.at("timestamp").is_number_integer());
    EXPECT_GT(m.at("timestamp").get<std::int64_t>(), 1700000000000);
}

TEST(Send, InvalidRoomExits2AndPublishesNothing) {
    Mosquitto broker;
    Subscriber sub(broker, "#");
    for (const std::string& room : std::vector<std::string>{
             "a/b", "a+b", "#", "two words", std::string(65, 'x'), "new\nline", "+"}) {
        auto r = run(mqchat_argv(broker.url(), room, {"--send", "should not arrive"}));
        EXPECT_EQ(r.status, 2) << room;
        EXPECT_NE(r.err.find("room name"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    auto r = run(mqchat_argv(broker.url(), "", {"--send", "empty room"}));
    EXPECT_EQ(r.status, 2);
    publish(broker, "sentinel", "end");
    ASSERT_TRUE(sub.wait_for_count(1));
    EXPECT_EQ(sub.payloads().at(0), "end");  // nothing came before the sentinel
}

TEST(Send, UnreachableBrokerExits7NamingTheUrl) {
    const int port = free_port();  // nothing listens there
    const std::string url = "mqtt://127.0.0.1:" + std::to_string(port);
    auto r = run(mqchat_argv(url, "general", {"--send", "hello"}));
    EXPECT_EQ(r.status, 7);
    EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Send, UnknownHostExits7) {
    auto r = run(mqchat_argv("mqtt://no-such-host.invalid:1883", "general", {"--send", "hello"}));
    EXPECT_EQ(r.status, 7);
    EXPECT_NE(r.err.find("no-such-host.invalid"), std::string::npos) << r.err;
}

TEST(Send, StdinTenThousandLinesArriveCompleteAndInOrder) {
    Mosquitto broker;
    Subscriber sub(broker, "chat/bulk/messages");
    std::string input;
    for (int i = 1; i <= 10000; ++i) {
        input += "line " + std::to_string(i) +
                 (i % 1000 == 0 ? "\r\n\n" : "\n");  // CRLF and empty lines too
    }
    input.pop_back();  // the last line has no newline
    auto r = run(mqchat_argv(broker.url(), "bulk", {"--send", "-", "--user", "bulk"}), input);
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(sub.wait_for_count(10000));
    const auto got = sub.payloads();
    ASSERT_EQ(got.size(), 10000U);
    std::string previous_id;
    for (int i = 1; i <= 10000; ++i) {
        const json m = json::parse(got[static_cast<std::size_t>(i - 1)]);
        ASSERT_EQ(m.at("text"), "line " + std::to_string(i));
        const auto id = m.at("id").get<std::string>();
        ASSERT_GT(id, previous_id);  // ULIDs sort in send order
        previous_id = id;
    }
}

TEST(Send, EmptyStdinSendsNothingAndSucceeds) {
    Mosquitto broker;
    auto r = run(mqchat_argv(broker.url(), "general", {"--send", "-"}), "\n\n");
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Send, InvalidUtf8IsSentAsReplacementWithAWarning) {
    Mosquitto broker;
    Subscriber sub(broker, "chat/general/messages");
    auto r = run(mqchat_argv(broker.url(), "general", {"--send", "-"}), "ok \xff\xfe end\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("not valid UTF-8"), std::string::npos) << r.err;
    ASSERT_TRUE(sub.wait_for_count(1));
    EXPECT_EQ(json::parse(sub.payloads().at(0)).at("text"), "ok \uFFFD\uFFFD end");
}

TEST(Send, LongLineIsSplitUnderThePayloadLimit) {
    Mosquitto broker;
    Subscriber sub(broker, "chat/general/messages");
    std::string text;
    while (text.size() < 150 * 1024)
        text += "lorem ipsum ";
    auto r = run(mqchat_argv(broker.url(), "general", {"--send", "-"}), text + "\n");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(sub.wait_for_count(3));
    std::string joined;
    for (const auto& p : sub.payloads()) {
        EXPECT_LE(p.size(), 64U * 1024U);
        joined += json::parse(p).at("text").get<std::string>();
    }
    EXPECT_EQ(joined, text);
}

TEST(Send, RefusedPublishExits7WithTheReason) {
    TempDir dir;
    const std::string acl = dir.write("acl", "topic read chat/#\n");
    Mosquitto broker({false, "acl_file " + acl + "\n"});
    auto r = run(mqchat_argv(broker.url(), "general", {"--send", "denied"}));
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("not authorized"), std::string::npos) << r.err;
}

TEST(Send, OverWebSockets) {
    Mosquitto broker({true, ""});
    Subscriber sub(broker, "chat/general/messages");
    for (int i = 0; i < 5; ++i) {  // loopback connects complete at once: the double-handshake trap
        auto r = run(
            mqchat_argv(broker.ws_url(), "general", {"--send", "over ws " + std::to_string(i)}));
        ASSERT_EQ(r.status, 0) << r.err;
    }
    ASSERT_TRUE(sub.wait_for_count(5));
    EXPECT_EQ(json::parse(sub.payloads().at(4)).at("text"), "over ws 4");
}

}  // namespace
