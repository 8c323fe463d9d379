// The interactive chat run headless: run_chat on a thread with a fake broker,
// a fake terminal (and a fake mqchatd for the login case). Each test checks
// both sides, as profanity's functional tests do: the bytes the client sent
// to the broker and the line the user sees.
#include "app/chat_session.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/access.hpp"
#include "app/reporter.hpp"
#include "core/payload_codec.hpp"
#include "platform/signals.hpp"
#include "support/fake_display.hpp"
#include "support/fake_http.hpp"
#include "support/fake_transport.hpp"
#include "support/headless_session.hpp"

namespace mqchat::app {
namespace {

constexpr char kTopic[] = "chat/general/messages";

// A payload as another client sends it; `text_json` is already JSON-escaped.
std::string payload_from(const std::string& user, const std::string& id,
                         const std::string& text_json) {
    return R"({"id":")" + id + R"(","user":")" + user + R"(","name":")" + user + R"(","text":")" +
           text_json + R"(","timestamp":1700000000000})";
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// The line of the frame that holds `needle`, or "".
std::string line_with(const std::string& frame, const std::string& needle) {
    const auto at = frame.find(needle);
    if (at == std::string::npos) return {};
    const auto start = frame.rfind('\n', at);
    const auto end = frame.find('\n', at);
    return frame.substr(start == std::string::npos ? 0 : start + 1,
                        end == std::string::npos
                            ? std::string::npos
                            : end - (start == std::string::npos ? 0 : start + 1));
}

bool has_control_bytes(const std::string& frame) {
    for (unsigned char c : frame)
        if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    return false;
}

class ChatLoopTest : public ::testing::Test {
  protected:
    void SetUp() override {
        broker.set_auto_connack(true);
        broker.set_auto_suback(true);
        ports.transport = broker.factory();
        ports.clock = SupervisorClock::system();
        ports.clock.uniform01 = [] { return 0.0; };  // retries after half a second
        ports.display = terminal.factory();
        ports.require_terminal = false;
    }

    void TearDown() override { session.reset(); }

    // mqchat general --no-auth --broker ... --user alice
    void start_plain() {
        auto planned = fakes::plan_from_args(
            {"general", "--no-auth", "--broker", "mqtt://127.0.0.1:1883", "--user", "alice"});
        ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<std::string>(planned);
        plan = std::make_unique<Plan>(std::get<Plan>(planned));
        access = std::make_unique<Access>(Access::plain(*plan));
        start();
    }

    void start() {
        session = std::make_unique<fakes::SessionThread>(
            [this] { return run_chat(*plan, *access, reporter, signals, ports); });
    }

    // The chat is up and subscribed on the current connection.
    void wait_connected() {
        ASSERT_TRUE(terminal.wait_for_text("connected")) << terminal.last_text();
        ASSERT_TRUE(broker.wait_until([this] {
            for (const auto& s : broker.subscribes())
                if (s.connection == broker.connection() && s.topic == kTopic) return true;
            return false;
        }));
    }

    // Waits until the broker has seen `n` publishes.
    std::vector<fakes::PublishCall> wait_publishes(std::size_t n) {
        EXPECT_TRUE(broker.wait_until([&] { return broker.publishes().size() >= n; }))
            << "publishes: " << broker.publishes().size();
        return broker.publishes();
    }

    int quit() {
        terminal.type_line("/quit");
        const auto code = session->wait();
        EXPECT_TRUE(code.has_value()) << "run_chat did not end after /quit";
        return code.value_or(-1);
    }

    fakes::PrivateHome home;          // first: the outbox lives in it
    platform::SignalWatcher signals;  // before the session thread: it inherits the mask
    fakes::FakeBroker broker;
    fakes::FakeTerminal terminal{80, 24};
    SessionPorts ports;
    Reporter reporter{0};
    std::unique_ptr<Plan> plan;
    std::unique_ptr<Access> access;
    std::unique_ptr<fakes::SessionThread> session;  // last: ends before the rest goes
};

TEST_F(ChatLoopTest, TypedLineIsPublishedOnceAndTurnsFromPendingToAcknowledged) {
    start_plain();
    wait_connected();
    terminal.type_line("hello");

    const auto sent = wait_publishes(1);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].topic, kTopic);
    EXPECT_EQ(sent[0].qos, 1);
    const auto decoded = decode_payload(sent[0].payload, 0);
    ASSERT_EQ(decoded.messages.size(), 1u) << sent[0].payload;
    EXPECT_EQ(decoded.messages[0].text, "hello");
    EXPECT_EQ(decoded.messages[0].user, "alice");
    EXPECT_FALSE(decoded.messages[0].id.empty());

    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return line_with(f, "hello").find("…") != std::string::npos;
    })) << terminal.last_text();
    broker.puback(sent[0].ticket);
    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return line_with(f, "hello").find("✓") != std::string::npos;
    })) << terminal.last_text();

    EXPECT_EQ(quit(), 0);
    EXPECT_EQ(broker.publishes().size(), 1u) << "sent exactly once";
    EXPECT_EQ(count_of(terminal.last_text(), "hello"), 1u);
}

TEST_F(ChatLoopTest, IncomingMessageIsShownSanitized) {
    start_plain();
    wait_connected();
    // Clear the screen, set the title, ring the bell, a C1 CSI and a DEL.
    broker.deliver(kTopic,
                   payload_from("bob", "01HQBOB0000000000000000001",
                                R"(evil\u001b[2J\u001b]0;pwned\u0007 \u009b31m\u007f end)"));
    broker.deliver(kTopic, "raw \x1b[31mred\x1b[0m plain \x07text");

    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return f.find("evil") != std::string::npos && f.find("plain") != std::string::npos;
    })) << terminal.last_text();
    const std::string frame = terminal.last_text();
    EXPECT_NE(line_with(frame, "evil").find("end"), std::string::npos) << frame;
    EXPECT_NE(line_with(frame, "evil").find("bob"), std::string::npos) << frame;
    for (const auto& screen : terminal.frames()) {
        EXPECT_FALSE(has_control_bytes(screen.text())) << screen.text();
        EXPECT_FALSE(has_control_bytes(screen.title));
        EXPECT_EQ(screen.text().find("\xC2\x9B"), std::string::npos) << "C1 CSI on screen";
    }
    EXPECT_EQ(quit(), 0);
}

TEST_F(ChatLoopTest, LostConnectionResendsThePendingMessageWithTheSameIdAndShowsItOnce) {
    start_plain();
    wait_connected();
    terminal.type_line("hello again");
    const auto first = wait_publishes(1);

    broker.set_auto_connack(false);  // the broker is down for now
    broker.lose_connection(0, "keep-alive timeout");
    ASSERT_TRUE(terminal.wait_for_text("reconnecting")) << terminal.last_text();
    ASSERT_TRUE(broker.wait_until([this] { return broker.connects().size() >= 2; }));
    EXPECT_EQ(broker.publishes().size(), 1u) << "nothing can go out before the CONNACK";
    broker.connack();

    const auto sent = wait_publishes(2);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].connection, 2u);
    EXPECT_EQ(sent[1].payload, first[0].payload) << "the same message, the same id";
    // The broker echoes it to us as a subscriber, and acknowledges it.
    broker.deliver(kTopic, sent[1].payload);
    broker.puback(sent[1].ticket);
    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return line_with(f, "hello again").find("✓") != std::string::npos &&
               f.find("● connected") != std::string::npos;
    })) << terminal.last_text();
    EXPECT_EQ(count_of(terminal.last_text(), "hello again"), 1u) << terminal.last_text();
    EXPECT_EQ(quit(), 0);
    EXPECT_EQ(broker.publishes().size(), 2u);
}

TEST_F(ChatLoopTest, DuplicateIncomingMessageIsShownOnce) {
    start_plain();
    wait_connected();
    const std::string dup = payload_from("bob", "01HQBOB0000000000000000002", "twice told");
    broker.deliver(kTopic, dup);
    broker.deliver(kTopic, dup);  // QoS 1 redelivery
    broker.deliver(kTopic, payload_from("bob", "01HQBOB0000000000000000003", "the next one"));
    ASSERT_TRUE(terminal.wait_for_text("the next one")) << terminal.last_text();
    EXPECT_EQ(count_of(terminal.last_text(), "twice told"), 1u) << terminal.last_text();
    EXPECT_EQ(quit(), 0);
}

TEST_F(ChatLoopTest, QuitEndsTheChatWithExitZero) {
    start_plain();
    wait_connected();
    EXPECT_EQ(quit(), 0);
    EXPECT_GE(broker.disconnects(), 1u) << "a DISCONNECT on the way out";
}

TEST_F(ChatLoopTest, ResizeRedrawsAtTheNewSize) {
    start_plain();
    wait_connected();
    terminal.resize(40, 12);
    ASSERT_TRUE(broker.wait_until([this] {
        const auto frames = terminal.frames();
        return !frames.empty() && frames.back().width() == 40 && frames.back().height() == 12;
    }));
    EXPECT_EQ(quit(), 0);
}

// --- with a login: a fake mqchatd for the token and the history --------------

class ChatLoopLoginTest : public ChatLoopTest {
  protected:
    void start_with_server() {
        auto planned = fakes::plan_from_args({"general"});
        ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<std::string>(planned);
        plan = std::make_unique<Plan>(std::get<Plan>(planned));

        auto server = fakes::fake_mqchatd();
        http = server.get();
        http->expect_bearer("session-secret");
        http->route("GET", "/api/rooms/general/messages", 200,
                    "[" + payload_from("bob", "01HQHIST000000000000000001", "from history") + "]");
        auto made = Access::with_client(*plan, fakes::alice_login(), std::move(server));
        ASSERT_TRUE(std::holds_alternative<Access>(made));
        access = std::make_unique<Access>(std::get<Access>(std::move(made)));
        start();
    }

    fakes::FakeHttp* http = nullptr;  // owned by the Access
};

TEST_F(ChatLoopLoginTest, TokenFromTheServerHistoryOnScreenAndOwnMessageSent) {
    start_with_server();
    ASSERT_TRUE(terminal.wait_for_text("from history")) << terminal.last_text();
    const auto connects = broker.connects();
    ASSERT_GE(connects.size(), 1u);
    EXPECT_EQ(connects[0].settings.password, "broker-token-1");
    EXPECT_EQ(connects[0].settings.username, "alice");
    EXPECT_EQ(connects[0].settings.client_id.rfind("mqchat-alice-", 0), 0u);

    terminal.type_line("hi from alice");
    const auto sent = wait_publishes(1);
    const auto decoded = decode_payload(sent.at(0).payload, 0);
    ASSERT_EQ(decoded.messages.size(), 1u);
    EXPECT_EQ(decoded.messages[0].text, "hi from alice");
    EXPECT_EQ(decoded.messages[0].user, "alice");
    EXPECT_EQ(decoded.messages[0].name, "Alice");
    broker.puback(sent[0].ticket);
    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return line_with(f, "hi from alice").find("✓") != std::string::npos;
    })) << terminal.last_text();
    EXPECT_EQ(quit(), 0);

    EXPECT_EQ(http->count("POST", "/api/mqtt-token"), 1u);
    EXPECT_GE(http->count("GET", "/api/rooms/general/messages"), 1u);
    for (const auto& r : http->requests()) {
        EXPECT_TRUE(r.had_bearer) << r.path;
        EXPECT_TRUE(r.bearer_ok) << r.path;
    }
}

// The archive catching up: a refused message stays pending on the screen, goes
// out again with its id, and gets its ✓; "not sent" is never shown.
TEST_F(ChatLoopLoginTest, ARefusalWhileTheArchiveCatchesUpStaysPendingAndIsSentAgain) {
    start_with_server();
    http->route("GET", "/api/me", 200,
                R"({"user":{"id":"alice","name":"Alice"},"publish":{"allowed":false,)"
                R"("retry":true,"reason":"the archive is closed: the database is too slow"}})");
    ASSERT_TRUE(terminal.wait_for_text("from history")) << terminal.last_text();
    terminal.type_line("patience");
    const auto first = wait_publishes(1);
    broker.puback(first.at(0).ticket, 0x87);
    const auto again = wait_publishes(2);
    EXPECT_EQ(again.at(1).payload, first[0].payload) << "same payload, same id";
    EXPECT_TRUE(terminal.wait_for_text("catching up")) << terminal.last_text();
    broker.puback(again[1].ticket);
    ASSERT_TRUE(terminal.wait_for_frame([](const std::string& f) {
        return line_with(f, "patience").find("✓") != std::string::npos;
    })) << terminal.last_text();
    EXPECT_EQ(terminal.last_text().find("not sent"), std::string::npos) << terminal.last_text();
    EXPECT_EQ(quit(), 0);
}

TEST_F(ChatLoopLoginTest, ARefusalThatLastsIsMarkedNotSentWithTheServersReason) {
    start_with_server();
    http->route("GET", "/api/me", 200,
                R"({"user":{"id":"alice","name":"Alice"},"publish":{"allowed":false,)"
                R"("reason":"the archive is closed: no space left on device"}})");
    ASSERT_TRUE(terminal.wait_for_text("from history")) << terminal.last_text();
    terminal.type_line("doomed");
    const auto first = wait_publishes(1);
    broker.puback(first.at(0).ticket, 0x87);
    EXPECT_TRUE(terminal.wait_for_text("no space left on device")) << terminal.last_text();
    EXPECT_TRUE(terminal.wait_for_text("not sent")) << terminal.last_text();
    EXPECT_EQ(broker.publishes().size(), 1u);
    EXPECT_EQ(quit(), 0);
}

}  // namespace
}  // namespace mqchat::app
