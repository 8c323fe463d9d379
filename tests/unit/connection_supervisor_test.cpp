// ConnectionSupervisor against a fake broker, fake tokens and a hand-moved
// clock: what each CONNACK refusal leads to, the backoff schedule, resubscribing
// after a reconnect, switching tokens without losing or repeating a publish,
// and ignoring what an older connection still had queued.
#include "app/connection_supervisor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

namespace mqchat::app {
namespace {

using Kind = LinkEvent::Kind;
using transport::MqttEvent;

// Tokens "token-1", "token-2", ... answered at once, or held until answer().
class FakeTokens final : public TokenSource {
  public:
    explicit FakeTokens(fakes::FakeClock& clock) : clock_(clock) {}

    bool has_server() const override { return server; }
    void fetch(const std::vector<std::string>& rooms,
               std::function<void(CredentialResult)> done) override {
        asked.push_back(rooms);
        held_ = std::move(done);
        if (!hold) answer();
    }

    // Answers the fetch that is out with the next token (or `error`).
    void answer() {
        auto done = std::move(held_);
        held_ = nullptr;
        ASSERT_TRUE(done) << "no fetch is out";
        if (error) return done(*error);
        done(next_access());
    }
    bool fetch_out() const { return static_cast<bool>(held_); }

    BrokerAccess next_access() {
        BrokerAccess a;
        a.url = *parse_broker_url("mqtt://127.0.0.1:1883").url;
        a.username = server ? "alice" : "";
        a.client_id = "mqchat-test-" + std::to_string(asked.size());
        if (server) {
            a.password = "token-" + std::to_string(asked.size());
            a.refresh_at_ms = refresh_after_ms ? clock_.wall_ms() + refresh_after_ms : 0;
            a.expires_at_ms = clock_.wall_ms() + expires_after_ms;
        }
        return a;
    }

    bool server = true;
    bool hold = false;
    std::optional<ApiError> error;
    std::int64_t refresh_after_ms = 0;  // 0: no refresh
    std::int64_t expires_after_ms = 600'000;
    std::vector<std::vector<std::string>> asked;

  private:
    fakes::FakeClock& clock_;
    std::function<void(CredentialResult)> held_;
};

class ConnectionSupervisorTest : public ::testing::Test {
  protected:
    void make(SupervisorSettings settings = {}) {
        supervisor = std::make_unique<ConnectionSupervisor>(settings, broker.factory(), tokens,
                                                            clock.clock());
    }

    // Lets the supervisor handle what the fake broker sent, then takes its news.
    std::vector<LinkEvent> events() {
        supervisor->on_transport_ready();
        supervisor->tick();
        return supervisor->take_events();
    }

    std::vector<LinkEvent> advance(std::int64_t ms) {
        clock.advance(ms);
        return events();
    }

    // Started and connected on connection 1.
    void connected(std::vector<std::string> rooms = {"general"}) {
        make();
        supervisor->start(std::move(rooms));
        broker.connack(20);
        const auto got = events();
        ASSERT_TRUE(supervisor->connected());
        ASSERT_TRUE(has(got, Kind::connected));
    }

    static bool has(const std::vector<LinkEvent>& events, Kind kind) {
        return std::any_of(events.begin(), events.end(),
                           [kind](const LinkEvent& e) { return e.kind == kind; });
    }
    static const LinkEvent* find(const std::vector<LinkEvent>& events, Kind kind) {
        const auto it = std::find_if(events.begin(), events.end(),
                                     [kind](const LinkEvent& e) { return e.kind == kind; });
        return it == events.end() ? nullptr : &*it;
    }

    std::set<std::string> subscribed_on(std::uint64_t connection) const {
        std::set<std::string> topics;
        for (const auto& s : broker.subscribes())
            if (s.connection == connection) topics.insert(s.topic);
        return topics;
    }

    fakes::FakeClock clock{1'700'000'000'000, 0.5};
    fakes::FakeBroker broker;
    FakeTokens tokens{clock};
    std::unique_ptr<ConnectionSupervisor> supervisor;
};

// --- credentials refused: one new token, then exit 7 ---------------------------

class CredentialsRefused : public ConnectionSupervisorTest,
                           public ::testing::WithParamInterface<int> {};

TEST_P(CredentialsRefused, OneNewTokenThenFatalExit7) {
    make();
    supervisor->start({"general"});
    ASSERT_EQ(broker.connects().size(), 1u);
    EXPECT_EQ(broker.connects()[0].settings.password, "token-1");

    broker.refuse_connect(GetParam());
    auto got = events();
    EXPECT_FALSE(has(got, Kind::fatal));
    ASSERT_EQ(tokens.asked.size(), 2u) << "a stale token gets one replacement";
    ASSERT_EQ(broker.connects().size(), 2u);
    EXPECT_EQ(broker.connects()[1].settings.password, "token-2");

    broker.refuse_connect(GetParam());
    got = events();
    const LinkEvent* fatal = find(got, Kind::fatal);
    ASSERT_NE(fatal, nullptr);
    EXPECT_EQ(fatal->exit_code, 7);
    EXPECT_EQ(fatal->stage, "broker");
    EXPECT_NE(fatal->text.find("refused"), std::string::npos) << fatal->text;
    EXPECT_EQ(tokens.asked.size(), 2u);
    EXPECT_EQ(broker.connects().size(), 2u);
    EXPECT_FALSE(supervisor->next_deadline_ms().has_value()) << "stopped: nothing more to do";
}

INSTANTIATE_TEST_SUITE_P(Codes, CredentialsRefused, ::testing::Values(0x86, 0x87));

TEST_F(ConnectionSupervisorTest, CredentialsRefusedWithoutServerIsFatalAtOnce) {
    tokens.server = false;
    make();
    supervisor->start({"general"});
    broker.refuse_connect(0x87);
    const auto got = events();
    const LinkEvent* fatal = find(got, Kind::fatal);
    ASSERT_NE(fatal, nullptr);
    EXPECT_EQ(fatal->exit_code, 7);
    EXPECT_EQ(tokens.asked.size(), 1u);
    EXPECT_EQ(broker.connects().size(), 1u);
}

TEST_F(ConnectionSupervisorTest, RefusalAfterARenewedTokenHadConnectedGetsAnotherRenewal) {
    make();
    supervisor->start({"general"});
    broker.refuse_connect(0x87);
    events();
    broker.connack();
    events();  // the renewal worked: a later refusal may renew once more
    broker.lose_connection(0x8E, "session taken over");
    auto got = events();
    advance(30'000);
    ASSERT_EQ(broker.connects().size(), 3u);
    broker.refuse_connect(0x87);
    got = events();
    EXPECT_FALSE(has(got, Kind::fatal));
    EXPECT_EQ(tokens.asked.size(), 3u);
}

// --- "not now": retries with exponential backoff and jitter -----------------

// With the fake jitter at 0.5, each delay is 3/4 of its step.
struct BackoffCase {
    int reason_code;
    std::vector<std::int64_t> delays_ms;
};

// For test names and failure messages: the code, not the struct's raw bytes.
void PrintTo(const BackoffCase& c, std::ostream* os) {
    *os << "reason code " << c.reason_code;
}

class TemporaryRefusal : public ConnectionSupervisorTest,
                         public ::testing::WithParamInterface<BackoffCase> {};

TEST_P(TemporaryRefusal, RetriesWithDoublingCappedBackoff) {
    make();
    supervisor->start({"general"});
    const auto& expected = GetParam().delays_ms;
    for (std::size_t attempt = 0; attempt < expected.size(); ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt + 1));
        const std::size_t connects = broker.connects().size();
        broker.refuse_connect(GetParam().reason_code);
        const auto got = events();
        ASSERT_FALSE(has(got, Kind::fatal));
        const LinkEvent* retry = find(got, Kind::retrying);
        ASSERT_NE(retry, nullptr);
        EXPECT_EQ(retry->at_ms, clock.wall_ms() + expected[attempt]);
        EXPECT_EQ(retry->reason_code, GetParam().reason_code);
        EXPECT_NE(retry->text.find("refused"), std::string::npos) << retry->text;
        ASSERT_EQ(supervisor->next_deadline_ms(), clock.monotonic_ms() + expected[attempt]);

        advance(expected[attempt] - 1);
        EXPECT_EQ(broker.connects().size(), connects) << "not before its time";
        advance(1);
        EXPECT_EQ(broker.connects().size(), connects + 1);
    }
    EXPECT_EQ(tokens.asked.size(), 1u) << "a busy broker is no reason for a new token";
}

// Named by reason code: Codes/TemporaryRefusal.RetriesWithDoublingCappedBackoff/reason_0x88.
std::string backoff_name(const ::testing::TestParamInfo<BackoffCase>& info) {
    char name[16];
    std::snprintf(name, sizeof name, "reason_0x%02X", info.param.reason_code);
    return name;
}

INSTANTIATE_TEST_SUITE_P(Codes, TemporaryRefusal,
                         ::testing::Values(
                             // "server unavailable" (a broker restarting): 2 s at most.
                             BackoffCase{0x88, {750, 1500, 1500, 1500, 1500}},
                             // "busy" and "quota exceeded": at least 5 s.
                             BackoffCase{0x89, {3750, 3750, 3750, 6000, 12000, 22500, 22500}},
                             BackoffCase{0x97, {3750, 3750, 3750, 6000, 12000, 22500, 22500}}),
                         backoff_name);

// A broker that is gone (no CONNACK at all): 1 s, 2 s, 4 s ... capped at 30 s.
TEST_F(ConnectionSupervisorTest, AnUnreachableBrokerIsRetriedWithDoublingBackoffUpTo30s) {
    connected();
    broker.lose_connection(0, "connection reset");
    auto got = events();
    const std::vector<std::int64_t> expected{750, 1500, 3000, 6000, 12000, 22500, 22500};
    for (std::size_t attempt = 0; attempt < expected.size(); ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt + 1));
        const LinkEvent* retry = find(got, Kind::retrying);
        ASSERT_NE(retry, nullptr);
        EXPECT_EQ(retry->at_ms, clock.wall_ms() + expected[attempt]);
        const std::size_t connects = broker.connects().size();
        advance(expected[attempt]);
        ASSERT_EQ(broker.connects().size(), connects + 1);
        broker.fail_connect(-1, "connection refused");
        got = events();
        ASSERT_FALSE(has(got, Kind::fatal)) << "it was reachable once: keep trying";
    }
}

TEST_F(ConnectionSupervisorTest, JitterSpreadsTheFirstRetryBetweenHalfAndAllOfOneSecond) {
    make();
    supervisor->start({"general"});
    clock.set_jitter(0.0);
    broker.refuse_connect(0x88);
    auto got = events();
    ASSERT_NE(find(got, Kind::retrying), nullptr);
    EXPECT_EQ(find(got, Kind::retrying)->at_ms, clock.wall_ms() + 500);

    advance(500);
    clock.set_jitter(0.999);
    broker.refuse_connect(0x88);
    got = events();
    ASSERT_NE(find(got, Kind::retrying), nullptr);
    EXPECT_EQ(find(got, Kind::retrying)->at_ms, clock.wall_ms() + 1000 + 999);
}

TEST_F(ConnectionSupervisorTest, OtherRefusalsAreFatal) {
    make();
    supervisor->start({"general"});
    broker.refuse_connect(0x8C);  // bad authentication method
    const auto got = events();
    const LinkEvent* fatal = find(got, Kind::fatal);
    ASSERT_NE(fatal, nullptr);
    EXPECT_EQ(fatal->exit_code, 7);
    EXPECT_EQ(broker.connects().size(), 1u);
}

// --- a lost connection: reconnect, resubscribe everything --------------------

TEST_F(ConnectionSupervisorTest, LostConnectionReconnectsAndResubscribesEveryRoom) {
    connected({"general", "ops"});
    EXPECT_EQ(subscribed_on(1),
              (std::set<std::string>{"chat/general/messages", "chat/ops/messages"}));
    ASSERT_EQ(broker.subscribes()[0].qos, 1);

    broker.lose_connection(0, "keep-alive timeout");
    auto got = events();
    const LinkEvent* lost = find(got, Kind::lost);
    ASSERT_NE(lost, nullptr);
    EXPECT_FALSE(lost->planned);
    EXPECT_NE(lost->text.find("keep-alive timeout"), std::string::npos) << lost->text;
    ASSERT_NE(find(got, Kind::retrying), nullptr);
    EXPECT_FALSE(supervisor->can_publish());

    advance(750);
    ASSERT_EQ(broker.connects().size(), 2u);
    EXPECT_EQ(broker.connects()[1].settings.client_id, broker.connects()[0].settings.client_id);
    broker.connack();
    got = events();
    const LinkEvent* back = find(got, Kind::connected);
    ASSERT_NE(back, nullptr);
    EXPECT_FALSE(back->first);
    EXPECT_EQ(subscribed_on(2),
              (std::set<std::string>{"chat/general/messages", "chat/ops/messages"}));
}

TEST_F(ConnectionSupervisorTest, RetryAfterALostConnectionSaysWhy) {
    connected();
    broker.lose_connection(0, "keep-alive timeout");
    const auto got = events();
    const LinkEvent* retry = find(got, Kind::retrying);
    ASSERT_NE(retry, nullptr);
    EXPECT_NE(retry->text.find("keep-alive timeout"), std::string::npos)
        << "the retry status shows the cause; was: '" << retry->text << "'";
}

TEST_F(ConnectionSupervisorTest, PartedRoomIsUnsubscribedAndNotResubscribed) {
    connected({"general", "ops"});
    supervisor->part("ops");
    EXPECT_EQ(broker.unsubscribes(), std::vector<std::string>{"chat/ops/messages"});
    broker.lose_connection();
    events();
    advance(750);
    broker.connack();
    events();
    EXPECT_EQ(subscribed_on(2), std::set<std::string>{"chat/general/messages"});
}

// --- publishing -----------------------------------------------------------------

TEST_F(ConnectionSupervisorTest, PublishWhileNotConnectedReturnsNullopt) {
    make();
    EXPECT_FALSE(supervisor->publish("general", "x").has_value()) << "before start";
    supervisor->start({"general"});
    EXPECT_FALSE(supervisor->publish("general", "x").has_value()) << "connecting";
    broker.connack();
    events();
    const auto ticket = supervisor->publish("general", "{\"id\":\"a\"}");
    ASSERT_TRUE(ticket.has_value());
    ASSERT_EQ(broker.publishes().size(), 1u);
    EXPECT_EQ(broker.publishes()[0].topic, "chat/general/messages");
    EXPECT_EQ(broker.publishes()[0].qos, 1);
    broker.lose_connection();
    events();
    EXPECT_FALSE(supervisor->publish("general", "x").has_value()) << "waiting to retry";
    EXPECT_EQ(broker.publishes().size(), 1u);
}

TEST_F(ConnectionSupervisorTest, AcknowledgedRefusedAndReturnedPublishes) {
    connected();
    const auto acked = supervisor->publish("general", "a");
    const auto refused = supervisor->publish("general", "b");
    const auto lost = supervisor->publish("general", "c");
    ASSERT_TRUE(acked && refused && lost);
    broker.puback(*acked);
    broker.puback(*refused, 0x87);
    broker.publish_lost(*lost);
    const auto got = events();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].kind, Kind::acknowledged);
    EXPECT_EQ(got[0].ticket, *acked);
    EXPECT_EQ(got[1].kind, Kind::refused);
    EXPECT_EQ(got[1].ticket, *refused);
    EXPECT_EQ(got[1].reason_code, 0x87);
    EXPECT_NE(got[1].text.find("not authorized"), std::string::npos) << got[1].text;
    EXPECT_EQ(got[2].kind, Kind::returned) << "no reason code: the library lost it";
    EXPECT_EQ(got[2].ticket, *lost);
}

TEST_F(ConnectionSupervisorTest, PublishWindowFollowsReceiveMaximumUpTo32) {
    make();
    supervisor->start({"general"});
    broker.connack(5);
    events();
    EXPECT_EQ(supervisor->receive_maximum(), 5);
    EXPECT_EQ(supervisor->publish_window(), 5u);
    broker.lose_connection();
    events();
    advance(750);
    broker.connack(1000);
    events();
    EXPECT_EQ(supervisor->publish_window(), 32u);
    broker.lose_connection();
    events();
    advance(1500);
    broker.connack(0);  // none given
    events();
    EXPECT_EQ(supervisor->publish_window(), 1u);
}

TEST_F(ConnectionSupervisorTest, MessagesAreReportedByRoom) {
    connected({"general"});
    broker.deliver("chat/general/messages", "payload");
    broker.deliver("not/a/room", "junk");
    const auto got = events();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].kind, Kind::message);
    EXPECT_EQ(got[0].room, "general");
    EXPECT_EQ(got[0].payload, "payload");
}

// --- token refresh: a new connection once the acks are in --------------------

TEST_F(ConnectionSupervisorTest, TokenRefreshSwitchesOnlyAfterInFlightPublishesAreAcked) {
    tokens.refresh_after_ms = 60'000;
    connected();
    const auto first = supervisor->publish("general", "one");
    const auto second = supervisor->publish("general", "two");
    ASSERT_TRUE(first && second);

    auto got = advance(59'999);
    EXPECT_EQ(tokens.asked.size(), 1u) << "not before refresh_at";
    got = advance(1);
    ASSERT_EQ(tokens.asked.size(), 2u);
    const LinkEvent* token = find(got, Kind::token);
    ASSERT_NE(token, nullptr);
    EXPECT_EQ(token->at_ms, clock.wall_ms() + 600'000);
    EXPECT_EQ(broker.connects().size(), 1u) << "two publishes still wait for their ack";
    EXPECT_FALSE(supervisor->can_publish());
    EXPECT_FALSE(supervisor->publish("general", "three").has_value()) << "held for the switch";

    broker.puback(*first);
    got = events();
    EXPECT_EQ(broker.connects().size(), 1u);
    broker.puback(*second);
    got = events();
    ASSERT_EQ(broker.connects().size(), 2u);
    EXPECT_EQ(broker.connects()[1].settings.password, "token-2");
    EXPECT_EQ(broker.connects()[1].settings.client_id, broker.connects()[0].settings.client_id);
    EXPECT_EQ(broker.disconnects(), 1u);
    const LinkEvent* lost = find(got, Kind::lost);
    ASSERT_NE(lost, nullptr);
    EXPECT_TRUE(lost->planned);

    broker.connack();
    got = events();
    ASSERT_TRUE(supervisor->can_publish());
    const auto third = supervisor->publish("general", "three");
    ASSERT_TRUE(third.has_value());

    // Each payload went out once, and both of the old connection were acked there.
    const auto sent = broker.publishes();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[0].payload, "one");
    EXPECT_EQ(sent[1].payload, "two");
    EXPECT_EQ(sent[0].connection, 1u);
    EXPECT_EQ(sent[1].connection, 1u);
    EXPECT_EQ(sent[2].payload, "three");
    EXPECT_EQ(sent[2].connection, 2u);
}

TEST_F(ConnectionSupervisorTest, TokenSwitchStopsWaitingForAcksAfterTheGrace) {
    tokens.refresh_after_ms = 60'000;
    connected();
    ASSERT_TRUE(supervisor->publish("general", "one").has_value());
    advance(60'000);
    ASSERT_EQ(broker.connects().size(), 1u);
    advance(2'999);
    EXPECT_EQ(broker.connects().size(), 1u);
    const auto got = advance(1);
    ASSERT_EQ(broker.connects().size(), 2u);
    ASSERT_NE(find(got, Kind::lost), nullptr);
    EXPECT_TRUE(find(got, Kind::lost)->planned) << "the session sends the unacked one again";
}

TEST_F(ConnectionSupervisorTest, JoinFetchesATokenForEveryRoomThenSwitches) {
    connected({"general"});
    supervisor->join("ops");
    ASSERT_EQ(tokens.asked.size(), 2u);
    EXPECT_EQ(tokens.asked[1], (std::vector<std::string>{"general", "ops"}));
    events();
    ASSERT_EQ(broker.connects().size(), 2u);
    broker.connack();
    events();
    EXPECT_EQ(subscribed_on(2),
              (std::set<std::string>{"chat/general/messages", "chat/ops/messages"}));
}

TEST_F(ConnectionSupervisorTest, ExpiredTokenIsRenewedBeforeTheRetry) {
    tokens.expires_after_ms = 10'000;
    connected();
    broker.lose_connection();
    events();
    clock.advance(10'000);
    events();
    ASSERT_EQ(tokens.asked.size(), 2u) << "the old token would only be refused";
    ASSERT_EQ(broker.connects().size(), 2u);
    EXPECT_EQ(broker.connects()[1].settings.password, "token-2");
}

TEST_F(ConnectionSupervisorTest, FailedTokenFetchBeforeTheFirstConnectionIsFatal) {
    tokens.error = ApiError{5, "token", "HTTP 500"};
    make();
    supervisor->start({"general"});
    const auto got = events();
    const LinkEvent* fatal = find(got, Kind::fatal);
    ASSERT_NE(fatal, nullptr);
    EXPECT_EQ(fatal->exit_code, 5);
    EXPECT_EQ(fatal->stage, "token");
    EXPECT_TRUE(supervisor->started());
    EXPECT_TRUE(broker.connects().empty());
}

TEST_F(ConnectionSupervisorTest, FailedTokenRefreshKeepsTheConnectionAndTriesAgain) {
    tokens.refresh_after_ms = 60'000;
    connected();
    tokens.error = ApiError{5, "token", "HTTP 503"};
    auto got = advance(60'000);
    ASSERT_EQ(tokens.asked.size(), 2u);
    EXPECT_NE(find(got, Kind::notice), nullptr);
    EXPECT_TRUE(supervisor->connected());
    tokens.error.reset();
    advance(29'999);
    EXPECT_EQ(tokens.asked.size(), 2u);
    advance(1);
    EXPECT_EQ(tokens.asked.size(), 3u);
}

// --- stale events --------------------------------------------------------------

TEST_F(ConnectionSupervisorTest, EventsOfAnOlderConnectionAreIgnored) {
    connected({"general"});
    broker.lose_connection();
    events();
    advance(750);
    ASSERT_EQ(broker.connection(), 2u);

    // Still queued from connection 1 when connection 2 is being made.
    for (auto type : {MqttEvent::Type::connected, MqttEvent::Type::connection_lost,
                      MqttEvent::Type::connect_failed, MqttEvent::Type::message}) {
        MqttEvent stale;
        stale.type = type;
        stale.connection = 1;
        stale.topic = "chat/general/messages";
        stale.payload = "old";
        stale.reason_code = 0x87;
        broker.push(stale);
    }
    auto got = events();
    EXPECT_TRUE(got.empty()) << "first stale event: " << static_cast<int>(got[0].kind);
    EXPECT_FALSE(supervisor->connected());
    EXPECT_EQ(broker.connects().size(), 2u);

    broker.connack();
    got = events();
    EXPECT_TRUE(has(got, Kind::connected));
    EXPECT_TRUE(supervisor->connected());
}

// A broker never sends on a connection it has closed, but an event queued
// behind the loss must still not pass for the next connection's: a reader
// would show a message from across the gap before history fills it.
TEST_F(ConnectionSupervisorTest, NothingOfALostConnectionCountsWhileReconnecting) {
    connected({"general"});
    broker.lose_connection();
    ASSERT_TRUE(has(events(), Kind::lost));
    for (auto type : {MqttEvent::Type::message, MqttEvent::Type::subscribed}) {
        MqttEvent late;
        late.type = type;
        late.connection = 1;
        late.topic = "chat/general/messages";
        late.payload = "after the loss";
        broker.push(late);
    }
    auto got = events();
    EXPECT_FALSE(has(got, Kind::message));
    EXPECT_FALSE(has(got, Kind::subscribed));

    advance(750);
    broker.connack();
    broker.deliver("chat/general/messages", "on the new connection");
    got = events();
    ASSERT_TRUE(has(got, Kind::connected));
    const LinkEvent* message = find(got, Kind::message);
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->payload, "on the new connection");
}

TEST_F(ConnectionSupervisorTest, ALateAckFromTheOldConnectionDoesNotStartTheTokenSwitchEarly) {
    tokens.refresh_after_ms = 60'000;
    connected();
    const auto old = supervisor->publish("general", "one");
    ASSERT_TRUE(old);
    broker.lose_connection(0, "keep-alive timeout");
    events();
    advance(750);
    broker.connack();
    events();
    ASSERT_TRUE(supervisor->connected());
    const auto fresh = supervisor->publish("general", "two");
    ASSERT_TRUE(fresh);

    advance(60'000);  // the refresh is due; "two" still waits for its ack
    MqttEvent late;
    late.type = MqttEvent::Type::published;
    late.connection = 0;  // as Paho reports an ack: by its ticket only
    late.ticket = *old;
    broker.push(late);
    const auto got = events();
    EXPECT_TRUE(has(got, Kind::acknowledged)) << "the outbox still hears of it";
    EXPECT_EQ(broker.connects().size(), 2u) << "no switch while 'two' is unanswered";

    broker.puback(*fresh);
    events();
    EXPECT_EQ(broker.connects().size(), 3u);
}

TEST_F(ConnectionSupervisorTest, CloseDisconnectsAndStops) {
    connected();
    supervisor->close();
    EXPECT_EQ(broker.disconnects(), 1u);
    EXPECT_FALSE(supervisor->connected());
    broker.deliver("chat/general/messages", "late");
    EXPECT_TRUE(events().empty());
}

}  // namespace
}  // namespace mqchat::app
