// mqchatd's archiver against the real stack: token-holding publishers, every
// reader dialect from the service identity, de-duplication, restarts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/stack.hpp"

namespace {

using namespace testsupport;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kTopic = "chat/general/messages";

json history(const Stack& stack, const std::string& session, const std::string& query = "") {
    const auto r = stack.http().get("/api/rooms/general/messages" + query, session);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : json::array();
}

bool holds_id(const json& messages, const std::string& id) {
    for (const auto& m : messages)
        if (m.at("id") == id) return true;
    return false;
}

// Polls history until a message with `id` is archived.
bool wait_archived(const Stack& stack, const std::string& session, const std::string& id) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!holds_id(history(stack, session, "?limit=500"), id)) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::string canonical(const std::string& id, const std::string& user, const std::string& name,
                      const std::string& text) {
    return json{
        {"id", id}, {"user", user}, {"name", name}, {"text", text}, {"timestamp", 1732412345678}}
        .dump();
}

StackAccount alice(const Stack& stack) {
    return stack.add_account("alice@example.org", "Alice", kPassword);
}

RunResult publish_as_alice(const Stack& stack, const StackAccount& a, const std::string& payload) {
    return publish_as(stack.mqtt_port(), a.id, a.token, a.id + "-x", kTopic, payload);
}

TEST(ServerArchiver, TokenPublishIsArchivedExactlyOnceWhenSentTwice) {
    Stack stack;
    const StackAccount a = alice(stack);
    const std::string payload = canonical("01JDTWICE0000000000000000A", a.id, "Alice", "twice");
    for (int i = 0; i < 2; ++i) {
        const auto r = publish_as_alice(stack, a, payload);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    ASSERT_EQ(publish_as_alice(stack, a, canonical("sentinel-1", a.id, "Alice", "end")).status, 0);
    ASSERT_TRUE(wait_archived(stack, a.session, "sentinel-1")) << stack.log();
    const json h = history(stack, a.session);
    ASSERT_EQ(h.size(), 2U) << h.dump();
    EXPECT_EQ(h[0], json::parse(payload));
    EXPECT_EQ(h[1].at("text"), "end");
}

TEST(ServerArchiver, StoresEveryReaderDialectAndSkipsGarbage) {
    Stack stack;
    const StackAccount a = alice(stack);
    const std::string service = stack.service_key();
    const std::vector<std::string> payloads = {
        canonical("c-1", "carl", "Carl", "canonical"),
        R"({"user":"bob","text":"seed zero","timestamp":1732412345679})",
        R"({"user":{"id":"carol","custom_name":"Carol"},"text_message":{"text":"interaction"},"sent_at":"2024-11-24T09:41:00Z"})",
        R"([{"user":{"custom_name":"Dan"},"text_message":{"text":"array one"},"sent_at":"2024-11-24T09:42:00Z"},)"
        R"({"user":{"custom_name":"Dan"},"text_message":{"text":"array two"},"sent_at":"2024-11-24T09:43:00Z"}])",
        "just some text",
        "\xff\xfe not utf-8",
        std::string("bin\0ary", 7),
        std::string(40, '[') + std::string(40, ']'),
        R"({"no_text":1})",
        "[]",
        std::string(70 * 1024, 'x'),  // over the 64 KiB payload limit
        canonical("sentinel-2", "carl", "Carl", "end"),
    };
    for (const auto& p : payloads) {
        const auto r =
            publish_as(stack.mqtt_port(), "$mqchatd", service, "$mqchatd-test", kTopic, p);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    ASSERT_TRUE(wait_archived(stack, a.session, "sentinel-2")) << stack.log();
    const json h = history(stack, a.session);
    std::vector<std::string> texts;
    for (const auto& m : h)
        texts.push_back(m.at("text"));
    EXPECT_EQ(texts, (std::vector<std::string>{"canonical", "seed zero", "interaction", "array one",
                                               "array two", "just some text", "end"}))
        << h.dump();
    ASSERT_EQ(h.size(), 7U);
    EXPECT_EQ(h[1].at("user"), "bob");
    EXPECT_TRUE(h[1].at("id").get<std::string>().starts_with("h-"));  // derived, stable
    EXPECT_EQ(h[1].at("timestamp"), 1732412345679);
    EXPECT_EQ(h[2].at("user"), "carol");
    EXPECT_EQ(h[2].at("name"), "Carol");
    EXPECT_EQ(h[2].at("timestamp"), 1732441260000);
    EXPECT_EQ(h[5].at("user"), "");
    EXPECT_NE(stack.log().find("archiver: skipped unreadable content"), std::string::npos);
    EXPECT_TRUE(stack.process().running());
}

TEST(ServerArchiver, ArchiveSurvivesARestartOnTheSameDataDir) {
    Stack stack;
    const StackAccount a = alice(stack);
    ASSERT_EQ(publish_as_alice(stack, a, canonical("before-restart", a.id, "Alice", "one")).status,
              0);
    ASSERT_TRUE(wait_archived(stack, a.session, "before-restart"));
    EXPECT_EQ(
        stack.http().post("/api/rooms/general/messages", R"({"text":"two"})", a.session).status,
        201);
    EXPECT_EQ(stack.stop(SIGTERM), 0);
    stack.start();
    // The session, the signing key and the archive are all still there.
    const json h = history(stack, a.session);
    ASSERT_EQ(h.size(), 2U) << h.dump();
    EXPECT_EQ(h[0].at("text"), "one");
    EXPECT_EQ(h[1].at("text"), "two");
    ASSERT_EQ(publish_as_alice(stack, a, canonical("after-restart", a.id, "Alice", "three")).status,
              0)
        << "a token from before the restart still works";
    ASSERT_TRUE(wait_archived(stack, a.session, "after-restart")) << stack.log();
    EXPECT_EQ(history(stack, a.session).size(), 3U);
}

}  // namespace
