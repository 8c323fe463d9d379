// mqchat ROOM --send TEXT run headless against the fake broker: the exit code
// waits for the PUBACK, a refusal says why and exits 7, a lost link sends the
// same message again, and what a run leaves unacknowledged the next one sends.
#include "app/send_session.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "app/access.hpp"
#include "app/reporter.hpp"
#include "core/payload_codec.hpp"
#include "platform/signals.hpp"
#include "support/fake_http.hpp"
#include "support/fake_transport.hpp"
#include "support/headless_session.hpp"

namespace mqchat::app {
namespace {

constexpr char kTopic[] = "chat/general/messages";

class SendLoopTest : public ::testing::Test {
  protected:
    void SetUp() override {
        broker.set_auto_connack(true);
        ports.transport = broker.factory();
        ports.clock = SupervisorClock::system();
        ports.clock.uniform01 = [] { return 0.0; };  // retries after half a second
        ports.require_terminal = false;
    }

    void TearDown() override { session.reset(); }

    // mqchat general --send TEXT --no-auth --broker ... --user alice [extra...]
    void start_send(const std::string& text, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"general",  "--send", text,     "--no-auth",
                                      "--broker", kBroker,  "--user", "alice"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto planned = fakes::plan_from_args(args);
        ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<std::string>(planned);
        session.reset();  // an earlier run of the same test ends first
        plan = std::make_unique<Plan>(std::get<Plan>(planned));
        access = std::make_unique<Access>(Access::plain(*plan));
        session = std::make_unique<fakes::SessionThread>(
            [this] { return run_send(*plan, *access, reporter, signals, ports); });
    }

    std::vector<fakes::PublishCall> wait_publishes(std::size_t n) {
        EXPECT_TRUE(broker.wait_until([&] { return broker.publishes().size() >= n; }))
            << "publishes: " << broker.publishes().size();
        return broker.publishes();
    }

    int exit_code() {
        const auto code = session->wait();
        EXPECT_TRUE(code.has_value()) << "run_send did not end";
        return code.value_or(-1);
    }

    // Nothing of the run is left to send: no journal holds a message.
    std::size_t journals() const {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(home.outbox_dir(), ec))
            if (f.path().filename().string().rfind("journal-", 0) == 0) ++n;
        return n;
    }

    static std::string text_of(const fakes::PublishCall& p) {
        const auto decoded = decode_payload(p.payload, 0);
        return decoded.messages.size() == 1 ? decoded.messages[0].text : "<unreadable>";
    }

    static constexpr char kBroker[] = "mqtt://127.0.0.1:1883";
    fakes::PrivateHome home;
    platform::SignalWatcher signals;  // before the session thread: it inherits the mask
    fakes::FakeBroker broker;
    SessionPorts ports;
    Reporter reporter{0};
    std::unique_ptr<Plan> plan;
    std::unique_ptr<Access> access;
    std::unique_ptr<fakes::SessionThread> session;
};

TEST_F(SendLoopTest, ExitsZeroOnlyAfterThePuback) {
    start_send("hello");
    const auto sent = wait_publishes(1);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].topic, kTopic);
    EXPECT_EQ(sent[0].qos, 1);
    EXPECT_EQ(text_of(sent[0]), "hello");
    EXPECT_EQ(broker.subscribes().size(), 0u) << "--send reads nothing";
    // Not a timing condition: without an ack the run cannot have ended at all.
    EXPECT_FALSE(session->wait(std::chrono::milliseconds(200)).has_value());

    broker.puback(sent[0].ticket);
    EXPECT_EQ(exit_code(), 0);
    EXPECT_EQ(broker.publishes().size(), 1u);
    EXPECT_EQ(journals(), 0u) << "nothing left for a later run";
}

struct RefusalCase {
    int reason_code;
    const char* words;
};

// For test names and failure messages: the code, not the struct's raw bytes.
void PrintTo(const RefusalCase& c, std::ostream* os) {
    *os << "reason code " << c.reason_code;
}

class SendRefused : public SendLoopTest, public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(SendRefused, RefusedPubackExits7AndSaysWhy) {
    ::testing::internal::CaptureStderr();
    start_send("hello");
    const auto sent = wait_publishes(1);
    broker.puback(sent.at(0).ticket, GetParam().reason_code);
    const int code = exit_code();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 7);
    EXPECT_NE(err.find("the broker refused the message"), std::string::npos) << err;
    EXPECT_NE(err.find(GetParam().words), std::string::npos) << err;
    EXPECT_EQ(journals(), 0u) << "a refused message is never sent again";
}

// Named by reason code, e.g. Codes/SendRefused.RefusedPubackExits7AndSaysWhy/reason_0x87.
std::string refusal_name(const ::testing::TestParamInfo<RefusalCase>& info) {
    char name[16];
    std::snprintf(name, sizeof name, "reason_0x%02X", info.param.reason_code);
    return name;
}

INSTANTIATE_TEST_SUITE_P(Codes, SendRefused,
                         ::testing::Values(RefusalCase{0x87, "not authorized"},
                                           RefusalCase{0x97, "quota exceeded"}),
                         refusal_name);

TEST_F(SendLoopTest, LostBeforeTheAckSendsTheSameIdAgainThenExitsZero) {
    start_send("hello");
    const auto first = wait_publishes(1);
    broker.lose_connection(0, "connection reset");
    const auto sent = wait_publishes(2);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].connection, 2u);
    EXPECT_EQ(sent[1].payload, first[0].payload) << "same payload, same id";
    EXPECT_FALSE(session->wait(std::chrono::milliseconds(0)).has_value());
    broker.puback(sent[1].ticket);
    EXPECT_EQ(exit_code(), 0);
    EXPECT_EQ(broker.publishes().size(), 2u);
    EXPECT_TRUE(broker.unacked().empty());
}

TEST_F(SendLoopTest, RefusedConnectionExits7AndKeepsNothing) {
    broker.set_auto_connack(false);
    ::testing::internal::CaptureStderr();
    start_send("hello");
    ASSERT_TRUE(broker.wait_until([this] { return broker.connects().size() == 1; }));
    broker.refuse_connect(0x87);
    const int code = exit_code();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 7);
    EXPECT_NE(err.find("refused the connection"), std::string::npos) << err;
    EXPECT_EQ(journals(), 0u) << "never connected: nothing of this run went anywhere";
    EXPECT_TRUE(broker.publishes().empty());
}

TEST_F(SendLoopTest, UnacknowledgedMessageIsSentByTheNextRunWithItsId) {
    ::testing::internal::CaptureStderr();
    start_send("first", {"-W", "1"});
    const auto before = wait_publishes(1);
    const int timed_out = exit_code();  // the broker never answers: -W runs out
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(timed_out, 8);
    EXPECT_NE(err.find("not acknowledged within 1 s"), std::string::npos) << err;
    EXPECT_EQ(journals(), 1u) << "kept for the next run";

    broker.set_auto_puback(true);
    start_send("second");
    EXPECT_EQ(exit_code(), 0);
    const auto sent = broker.publishes();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[1].payload, before[0].payload) << "the earlier message first, same id";
    EXPECT_EQ(text_of(sent[2]), "second");
    EXPECT_EQ(journals(), 0u);
}

TEST_F(SendLoopTest, InterruptExits130) {
    start_send("hello");
    wait_publishes(1);
    session->interrupt();
    EXPECT_EQ(exit_code(), 130);
}

// --- with a login: the server says why the broker refused -------------------

class SendLoopLoginTest : public SendLoopTest {
  protected:
    // mqchat general --send TEXT with a stored login and a fake mqchatd whose
    // /api/me answers `me`.
    void start_send_with_server(const std::string& text, const std::string& me) {
        auto planned = fakes::plan_from_args({"general", "--send", text});
        ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<std::string>(planned);
        session.reset();
        plan = std::make_unique<Plan>(std::get<Plan>(planned));
        auto server = fakes::fake_mqchatd();
        http = server.get();
        http->route("GET", "/api/me", 200, me);
        auto made = Access::with_client(*plan, fakes::alice_login(), std::move(server));
        ASSERT_TRUE(std::holds_alternative<Access>(made));
        access = std::make_unique<Access>(std::get<Access>(std::move(made)));
        session = std::make_unique<fakes::SessionThread>(
            [this] { return run_send(*plan, *access, reporter, signals, ports); });
    }

    fakes::FakeHttp* http = nullptr;  // owned by the Access
};

// The archive catching up is not a failure: the message waits in the outbox
// and goes out again, same id, until the broker takes it.
TEST_F(SendLoopLoginTest, ARefusalWhileTheArchiveCatchesUpIsSentAgain) {
    ::testing::internal::CaptureStderr();
    start_send_with_server(
        "hello", R"({"user":{"id":"alice","name":"Alice"},"publish":{"allowed":false,)"
                 R"("retry":true,"reason":"the archive is closed: the database is too slow"}})");
    const auto first = wait_publishes(1);
    broker.puback(first.at(0).ticket, 0x87);
    const auto again = wait_publishes(2);
    EXPECT_EQ(again.at(1).payload, first[0].payload) << "same payload, same id";
    broker.puback(again[1].ticket);
    const int code = exit_code();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(err.find("the database is too slow"), std::string::npos) << err;
    EXPECT_EQ(http->count("GET", "/api/me"), 1u);
    EXPECT_EQ(journals(), 0u);
}

// A full disk lasts: the sender is told, with the server's reason, and exits 7.
TEST_F(SendLoopLoginTest, ARefusalThatLastsExits7WithTheServersReason) {
    ::testing::internal::CaptureStderr();
    start_send_with_server("hello",
                           R"({"user":{"id":"alice","name":"Alice"},"publish":{"allowed":false,)"
                           R"("reason":"the archive is closed: no space left on device"}})");
    const auto first = wait_publishes(1);
    broker.puback(first.at(0).ticket, 0x87);
    const int code = exit_code();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 7);
    EXPECT_NE(err.find("the server says: the archive is closed: no space left on device"),
              std::string::npos)
        << err;
    EXPECT_EQ(broker.publishes().size(), 1u);
}

}  // namespace
}  // namespace mqchat::app
