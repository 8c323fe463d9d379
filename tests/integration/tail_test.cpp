// --tail against a real Mosquitto: every reader dialect, hostile payloads as
// safe single lines, NDJSON, -C, -W, reconnects and signals.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "mqchat_runner.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

const std::string kTopic = "chat/general/messages";

std::string canonical(const std::string& id, const std::string& user, const std::string& text) {
    return json{{"id", id}, {"user", user}, {"text", text}, {"timestamp", 1732412345678}}.dump();
}

// No ESC, no other C0 control but '\n', no DEL, and no C1 control (as UTF-8
// U+0080..U+009F or as a raw byte) anywhere in the output.
void expect_terminal_safe(const std::string& out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        ASSERT_FALSE(c < 0x20 && c != '\n') << "control byte " << int(c) << " at " << i;
        ASSERT_NE(c, 0x7F) << "DEL at " << i;
        if (c == 0xC2 && i + 1 < out.size()) {
            const auto next = static_cast<unsigned char>(out[i + 1]);
            ASSERT_FALSE(next >= 0x80 && next <= 0x9F) << "C1 control at " << i;
        }
    }
}

TEST(Tail, ShowsEveryDialectAndHostilePayloadsAsSafeSingleLines) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"--color", "never"});
    std::string deep(5000, '[');
    const std::vector<std::string> payloads = {
        canonical("01JD0000000000000000000001", "alice", "canonical hello"),
        R"({"user":"bob","text":"seed 000 without id","timestamp":1732412345000})",
        R"({"user":{"custom_name":"Carol"},"type":1,"text_message":{"text":"seed 001 object","sent_at":"2024-11-24T09:41:00Z"}})",
        R"([{"user":{"custom_name":"Dan"},"text_message":{"text":"seed 001 array one"},"sent_at":"2024-11-24T09:41:01Z"},)"
        R"({"user":{"custom_name":"Eve"},"text_message":{"text":"seed 001 array two"},"sent_at":"2024-11-24T09:41:02Z"}])",
        "just plain text",
        canonical("01JD0000000000000000000002", "mallory\x1b[2J",
                  "csi \x1b[31mred\x1b[0m \x1b[2J\x1b[H done"),
        canonical("01JD0000000000000000000003", "m",
                  "osc \x1b]0;pwned title\x07 \x1b]52;c;ZXZpbA==\x07 done"),
        canonical("01JD0000000000000000000004", "m",
                  "c1 \xc2\x9b"
                  "31m \xc2\x9d"
                  "0;t\xc2\x9c done"),
        canonical("01JD0000000000000000000005", "m",
                  "bidi \u202Etxt.exe\u202C and zw\u200Bsp done"),
        canonical("01JD0000000000000000000006", "m", "multi\nline\r\nmessage done"),
        "raw escape \x1b[5m blink \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ done",
        std::string("invalid \xff\xfe utf8 \xc0\xaf done"),
        std::string("binary\0with\0nul", 15),
        std::string(1024 * 1024, 'A'),
        deep,
        std::string(100000, '{'),
        R"({"text":42,"user":"wrong types"})",
        R"({"no":"text field"})",
        canonical("01JD0000000000000000000007", "alice", "END"),
    };
    for (const auto& p : payloads)
        publish(broker, kTopic, p);
    ASSERT_TRUE(tail.process().wait_for_out("END")) << tail.process().out() << tail.process().err();
    const std::string out = tail.process().out();
    expect_terminal_safe(out);
    const auto lines = split_lines(out);
    EXPECT_EQ(lines.size(), payloads.size() + 1) << out;  // seed 001 array: two lines
    for (const char* expected :
         {"<alice> canonical hello", "<bob> seed 000 without id", "<Carol> seed 001 object",
          "<Dan> seed 001 array one", "<Eve> seed 001 array two", "<?> just plain text",
          "csi red  done", "osc   done", "c1   done", "bidi txt.exe and zwsp done",
          "multi \u23CE line \u23CE message done", "raw escape  blink link done", "not UTF-8",
          "binary data", "too large (1048576 bytes", "too large (100000 bytes", "nested deeper",
          "field \"text\" is not a string", "without a \"text\" field"}) {
        EXPECT_NE(out.find(expected), std::string::npos) << "missing: " << expected << "\n" << out;
    }
    EXPECT_NE(out.find("<mallory>"), std::string::npos) << out;
    EXPECT_TRUE(tail.process().running());
}

TEST(Tail, JsonLinesAreCanonicalObjects) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"--json", "-C", "3"});
    publish(broker, kTopic, canonical("01JD0000000000000000000010", "alice", "one \x1b[31m"));
    publish(broker, kTopic, R"({"user":"bob","text":"two","timestamp":5})");
    publish(broker, kTopic, "three");
    ASSERT_EQ(tail.process().wait_exit(), 0) << tail.process().err();
    const auto lines = split_lines(tail.process().out());
    ASSERT_EQ(lines.size(), 3U);
    expect_terminal_safe(tail.process().out());
    const json first = json::parse(lines[0]);
    EXPECT_EQ(first.at("id"), "01JD0000000000000000000010");
    EXPECT_EQ(first.at("text"), "one \x1b[31m");  // data kept exactly, escaped as \u001B
    EXPECT_EQ(json::parse(lines[1]).at("timestamp"), 5);
    EXPECT_EQ(json::parse(lines[2]).at("text"), "three");
}

TEST(Tail, FormatTemplate) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"--format", "%r|%u|%n|%m|%i", "-C", "1"});
    publish(
        broker, kTopic,
        R"({"id":"01JD0000000000000000000011","user":"al","name":"Al \u001b[1mB","text":"hi","timestamp":1})");
    ASSERT_EQ(tail.process().wait_exit(), 0);
    EXPECT_EQ(tail.process().out(), "general|al|Al B|hi|01JD0000000000000000000011\n");
}

TEST(Tail, RedeliveredIdIsShownOnce) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"--json"});
    const auto p = canonical("01JD0000000000000000000012", "alice", "once");
    publish(broker, kTopic, p);
    publish(broker, kTopic, p);
    publish(broker, kTopic, canonical("01JD0000000000000000000013", "alice", "after"));
    ASSERT_TRUE(tail.process().wait_for_out("after"));
    EXPECT_EQ(count_lines(tail.process().out()), 2U) << tail.process().out();
}

TEST(Tail, CountExitsZeroAfterNMessages) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"-C", "2"});
    publish(broker, kTopic, "a");
    publish(broker, kTopic, "b");
    EXPECT_EQ(tail.process().wait_exit(), 0);
    EXPECT_EQ(count_lines(tail.process().out()), 2U);
}

TEST(Tail, TimeoutExits8WhenNothingArrives) {
    Mosquitto broker;
    Tail tail(broker.url(), "general", {"-W", "1"});
    EXPECT_EQ(tail.process().wait_exit(), 8);
    EXPECT_NE(tail.process().err().find("no message for 1 s"), std::string::npos)
        << tail.process().err();
}

TEST(Tail, InterruptExits130) {
    Mosquitto broker;
    Tail tail(broker.url(), "general");
    tail.process().signal(SIGINT);
    EXPECT_EQ(tail.process().wait_exit(), 130);
}

TEST(Tail, SurvivesABrokerRestartAndResubscribes) {
    Mosquitto broker;
    Tail tail(broker.url(), "general");
    publish(broker, kTopic, "before restart");
    ASSERT_TRUE(tail.process().wait_for_out("before restart"));
    broker.stop();
    ASSERT_TRUE(tail.process().wait_for_err("reconnecting")) << tail.process().err();
    broker.start();
    ASSERT_TRUE(tail.process().wait_for_err("reconnected")) << tail.process().err();
    ASSERT_TRUE(tail.process().wait_for_err("subscribed to chat/general/messages", kDeadline));
    // The resubscription may land just after "reconnected": publish until seen.
    ASSERT_TRUE(tail.process().wait_for(
        [&](const std::string& out, const std::string&) {
            if (out.find("after restart") != std::string::npos) return true;
            publish(broker, kTopic, "after restart");
            return false;
        },
        kDeadline));
}

TEST(Tail, OverWebSockets) {
    Mosquitto broker({true, ""});
    Tail tail(broker.ws_url(), "general", {"-C", "1"});
    publish(broker, kTopic, "via websockets");
    EXPECT_EQ(tail.process().wait_exit(), 0) << tail.process().err();
    EXPECT_NE(tail.process().out().find("via websockets"), std::string::npos);
}

TEST(Tail, ClosedStdoutEndsQuietly) {
    Mosquitto broker;
    // `mqchat --tail | head -n 1`: once the reader is gone, the next write
    // fails with EPIPE and mqchat ends with 0, not a signal or an error.
    Process pipeline({"/bin/bash", "-c",
                      "set -o pipefail; '" + mqchat_bin() + "' general --no-auth --broker " +
                          broker.url() + " --tail -v | head -n 1"});
    ASSERT_TRUE(pipeline.wait_for_err("subscribed to")) << pipeline.err();
    const bool exited = pipeline.wait_for([&](const std::string&, const std::string&) {
        publish(broker, kTopic, "line");
        return !pipeline.running();
    });
    ASSERT_TRUE(exited);
    EXPECT_EQ(pipeline.wait_exit(), 0) << pipeline.err();
    EXPECT_EQ(count_lines(pipeline.out()), 1U);
    EXPECT_EQ(pipeline.err().find("error"), std::string::npos) << pipeline.err();
}

}  // namespace
