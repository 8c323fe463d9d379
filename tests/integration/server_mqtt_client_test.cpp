// mqchatd's own MQTT 5 client against a real Mosquitto, over TCP and a unix
// socket: it connects, subscribes and publishes, and a message it has not
// acknowledged is delivered again on its next connection.
#include <poll.h>

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "server/archiver.hpp"
#include "support/broker.hpp"
#include "transport/mqtt_client.hpp"

namespace {

using namespace testsupport;
namespace mqtt = mqchat::mqtt;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Drives a client the way the serve loop does until `done` says so (or the
// deadline passes); every event lands in `seen`.
class Driver {
  public:
    explicit Driver(mqtt::MqttClientSettings settings) : client_(std::move(settings)) {
        client_.start(now_ms(), seen_);
    }
    mqtt::MqttClient& client() { return client_; }
    const std::vector<mqtt::ClientEvent>& seen() const { return seen_; }

    bool run_until(const std::function<bool()>& done) {
        const auto until = std::chrono::steady_clock::now() + kDeadline;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) return false;
            const std::int64_t hint = client_.wait_hint_ms(now_ms());
            pollfd fd{client_.fd(), client_.poll_events(), 0};
            ::poll(&fd, 1, static_cast<int>(hint < 0 || hint > 50 ? 50 : hint));
            if (fd.fd >= 0) client_.on_poll(fd.revents, now_ms(), seen_);
            client_.tick(now_ms(), seen_);
        }
        return true;
    }
    bool saw(mqtt::ClientEvent::Type type) const { return count(type) > 0; }
    std::size_t count(mqtt::ClientEvent::Type type) const {
        std::size_t n = 0;
        for (const auto& e : seen_)
            n += e.type == type ? 1 : 0;
        return n;
    }
    const mqtt::ClientEvent* last(mqtt::ClientEvent::Type type) const {
        for (auto it = seen_.rbegin(); it != seen_.rend(); ++it)
            if (it->type == type) return &*it;
        return nullptr;
    }

  private:
    std::vector<mqtt::ClientEvent> seen_;
    mqtt::MqttClient client_;
};

mqtt::MqttClientSettings settings(mqtt::BrokerTarget target, const std::string& id, bool clean) {
    mqtt::MqttClientSettings s;
    s.target = std::move(target);
    s.connect.client_id = id;
    s.connect.clean_start = clean;
    s.connect.session_expiry_s = clean ? 0 : 600;
    s.connect.receive_maximum = 16;
    return s;
}

void connect_and_subscribe(Driver& d, const std::string& filter) {
    ASSERT_TRUE(d.run_until([&] { return d.saw(mqtt::ClientEvent::Type::connected); }))
        << (d.last(mqtt::ClientEvent::Type::failed)
                ? d.last(mqtt::ClientEvent::Type::failed)->detail
                : "");
    const std::uint16_t id = d.client().subscribe(filter, 1);
    ASSERT_NE(id, 0);
    ASSERT_TRUE(d.run_until([&] { return d.saw(mqtt::ClientEvent::Type::subscribed); }));
    EXPECT_EQ(d.last(mqtt::ClientEvent::Type::subscribed)->reason, 1);  // granted QoS 1
}

TEST(ServerMqttClient, PublishesAndReceivesOverTcp) {
    Mosquitto broker;
    Driver d(settings(mqtt::BrokerTarget::tcp("127.0.0.1", broker.port()), "own-tcp", true));
    connect_and_subscribe(d, "t/#");
    const std::uint16_t id = d.client().publish("t/a", "hello");
    ASSERT_TRUE(d.run_until([&] {
        return d.saw(mqtt::ClientEvent::Type::acked) && d.saw(mqtt::ClientEvent::Type::message);
    }));
    EXPECT_EQ(d.last(mqtt::ClientEvent::Type::acked)->packet_id, id);
    const auto* m = d.last(mqtt::ClientEvent::Type::message);
    EXPECT_EQ(m->message.topic, "t/a");
    EXPECT_EQ(m->message.payload, "hello");
    EXPECT_EQ(m->message.qos, 1);
    d.client().acknowledge(m->message.packet_id);
}

TEST(ServerMqttClient, ConnectsOverAUnixSocket) {
    TempDir dir;
    const std::string socket = dir.path() + "/broker.sock";
    Mosquitto broker({.extra_config = "listener 0 " + socket + "\n"});
    Driver d(settings(mqtt::BrokerTarget::unix_socket(socket), "own-unix", true));
    connect_and_subscribe(d, "u/#");
    publish(broker, "u/x", "over tcp, read over the socket");
    ASSERT_TRUE(d.run_until([&] { return d.saw(mqtt::ClientEvent::Type::message); }));
    EXPECT_EQ(d.last(mqtt::ClientEvent::Type::message)->message.payload,
              "over tcp, read over the socket");
}

// The point of this client: until acknowledge(), the broker still owes the
// message, and a new connection of the same session gets it again.
TEST(ServerMqttClient, AnUnacknowledgedMessageIsDeliveredAgain) {
    Mosquitto broker;
    const auto target = mqtt::BrokerTarget::tcp("127.0.0.1", broker.port());
    {
        Driver first(settings(target, "own-session", false));
        connect_and_subscribe(first, "s/#");
        publish(broker, "s/1", "keep me");
        ASSERT_TRUE(first.run_until([&] { return first.saw(mqtt::ClientEvent::Type::message); }));
        first.client().stop();  // no PUBACK was sent
    }
    Driver second(settings(target, "own-session", false));
    ASSERT_TRUE(second.run_until([&] { return second.saw(mqtt::ClientEvent::Type::message); }));
    EXPECT_TRUE(second.last(mqtt::ClientEvent::Type::connected)->session_present);
    const auto* again = second.last(mqtt::ClientEvent::Type::message);
    EXPECT_EQ(again->message.payload, "keep me");
    EXPECT_TRUE(again->message.dup);
    second.client().acknowledge(again->message.packet_id);
    second.client().stop();

    Driver third(settings(target, "own-session", false));
    ASSERT_TRUE(third.run_until([&] { return third.saw(mqtt::ClientEvent::Type::connected); }));
    publish(broker, "s/2", "sentinel");
    ASSERT_TRUE(third.run_until([&] { return third.saw(mqtt::ClientEvent::Type::message); }));
    EXPECT_EQ(third.last(mqtt::ClientEvent::Type::message)->message.payload, "sentinel");
    EXPECT_EQ(third.count(mqtt::ClientEvent::Type::message), 1U);  // the acknowledged one is gone
}

TEST(ServerMqttClient, RetriesUntilTheBrokerIsThereWithShortBackoff) {
    Mosquitto broker;
    broker.stop();
    Driver d(settings(mqtt::BrokerTarget::tcp("127.0.0.1", broker.port()), "own-retry", true));
    ASSERT_TRUE(d.run_until([&] { return d.count(mqtt::ClientEvent::Type::failed) >= 3; }));
    EXPECT_NE(d.last(mqtt::ClientEvent::Type::failed)->detail.find("Connection refused"),
              std::string::npos);
    broker.start();
    ASSERT_TRUE(d.run_until([&] { return d.saw(mqtt::ClientEvent::Type::connected); }));
    broker.stop();
    ASSERT_TRUE(d.run_until([&] { return d.saw(mqtt::ClientEvent::Type::lost); }));
}

TEST(ServerMqttClient, TargetsParse) {
    EXPECT_EQ(mqtt::parse_broker_target("mqtt://127.0.0.1:1883").target->to_string(),
              "mqtt://127.0.0.1:1883");
    EXPECT_EQ(mqtt::parse_broker_target("localhost").target->port, 1883);
    EXPECT_EQ(mqtt::parse_broker_target("unix:/run/x.sock").target->unix_path, "/run/x.sock");
    for (const char* refused :
         {"mqtts://h:8883", "ws://h/mqtt", "wss://h/mqtt", "unix:", "mqtt://u:p@h:1"}) {
        const auto r = mqtt::parse_broker_target(refused);
        EXPECT_FALSE(r.target) << refused;
        EXPECT_FALSE(r.problem.empty()) << refused;
    }
    EXPECT_EQ(mqtt::parse_broker_target("mqtts://h:8883").problem,
              "mqchatd connects to a broker over mqtt:// only (mqtts://h:8883: TLS and WebSockets "
              "are not supported for its own connection)");
}

}  // namespace

// The archiver's filter must outlive a reconnect without a new SUBSCRIBE:
// between the CONNACK and the archiver's SUBSCRIBE the broker keeps routing.
// Upstream Mosquitto before 2.0.12 dropped a resumed session's $share
// subscriptions; Debian 12's 2.0.11 carries the fix (CVE-2021-34434), and
// this test is how we would know if a broker we run on did not.
TEST(ServerMqttClient, TheArchiveFilterSurvivesAResumedSession) {
    Mosquitto broker;
    const auto target = mqtt::BrokerTarget::tcp("127.0.0.1", broker.port());
    {
        Driver first(settings(target, "own-archiver", false));
        connect_and_subscribe(first, mqchat::server::kArchiveFilter);
        first.client().stop();
    }
    Driver second(settings(target, "own-archiver", false));
    ASSERT_TRUE(second.run_until([&] { return second.saw(mqtt::ClientEvent::Type::connected); }));
    EXPECT_TRUE(second.last(mqtt::ClientEvent::Type::connected)->session_present);
    publish(broker, "chat/general/messages", "published before any new SUBSCRIBE");
    ASSERT_TRUE(second.run_until([&] { return second.saw(mqtt::ClientEvent::Type::message); }))
        << "the resumed session lost its subscription to " << mqchat::server::kArchiveFilter;
    EXPECT_EQ(second.last(mqtt::ClientEvent::Type::message)->message.payload,
              "published before any new SUBSCRIBE");
}
