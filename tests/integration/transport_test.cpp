// Owns make_transport() (src/transport/native_transport.cpp) against a real Mosquitto: the
// events of connect, subscribe, unsubscribe and publish, connection numbers across a reconnect,
// and the refusals while not connected; over mqtt:// (mqchat's own client) and ws:// (Paho).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/broker.hpp"
#include "transport/mqtt_transport.hpp"

namespace {

using namespace testsupport;
using mqchat::transport::ConnectSettings;
using mqchat::transport::MqttEvent;
using Type = MqttEvent::Type;
using Match = std::function<bool(const MqttEvent&)>;

// Everything the sink was handed, in order. The sink runs on the transport's
// thread; the test polls (with kDeadline) and never sleeps to assert.
class Events {
  public:
    mqchat::transport::EventSink sink() {
        return [this](MqttEvent e) {
            std::lock_guard lock(mutex_);
            seen_.push_back(std::move(e));
        };
    }
    // Polls until `done` holds for the events so far; false at the deadline.
    bool wait_until(const std::function<bool(const std::vector<MqttEvent>&)>& done) const {
        const auto until = std::chrono::steady_clock::now() + kDeadline;
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (done(seen_)) return true;
            }
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(2ms);
        }
    }
    // The first event that matches, once there is one.
    std::optional<MqttEvent> wait_for(const Match& match) const {
        std::optional<MqttEvent> found;
        wait_until([&](const std::vector<MqttEvent>& seen) {
            const auto it = std::find_if(seen.begin(), seen.end(), match);
            if (it != seen.end()) found = *it;
            return found.has_value();
        });
        return found;
    }
    std::vector<MqttEvent> all() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<MqttEvent> seen_;
};

// A transport and its events; the events outlive the transport that feeds them.
struct Client {
    Events events;
    std::unique_ptr<mqchat::transport::MqttTransport> transport =
        mqchat::transport::make_transport(events.sink());
};

Match is(Type type, std::uint64_t connection, std::optional<std::string> topic = {}) {
    return [=](const MqttEvent& e) {
        return e.type == type && e.connection == connection && (!topic || e.topic == *topic);
    };
}

Match outcome_of_connect(std::uint64_t connection) {
    return [=](const MqttEvent& e) {
        return e.connection == connection &&
               (e.type == Type::connected || e.type == Type::connect_failed);
    };
}

ConnectSettings settings_for(const std::string& url, const std::string& client_id) {
    ConnectSettings s;
    s.url = *mqchat::parse_broker_url(url).url;
    s.client_id = client_id;
    return s;
}

// connect() and its `connected` event (which must carry connect()'s number);
// 0 when the connection failed.
std::uint64_t connect(Client& c, const std::string& url, const std::string& client_id) {
    const std::uint64_t n = c.transport->connect(settings_for(url, client_id));
    const auto e = c.events.wait_for(outcome_of_connect(n));
    if (!e || e->type != Type::connected) {
        ADD_FAILURE() << "connect " << n << " to " << url << ": " << (e ? e->detail : "no event");
        return 0;
    }
    return n;
}

// subscribe() at QoS 1 and its answer on `connection`: true when `subscribed`.
bool subscribe(Client& c, const std::string& topic, std::uint64_t connection) {
    c.transport->subscribe(topic, 1);
    const auto answer = c.events.wait_for([&](const MqttEvent& e) {
        return e.topic == topic && e.connection == connection &&
               (e.type == Type::subscribed || e.type == Type::subscribe_failed);
    });
    return answer && answer->type == Type::subscribed;
}

std::size_t count(const std::vector<MqttEvent>& seen, Type type) {
    return static_cast<std::size_t>(std::count_if(
        seen.begin(), seen.end(), [type](const MqttEvent& e) { return e.type == type; }));
}

// Publishes each payload on `topic` at QoS 1, keeping at most the broker's
// Receive Maximum unacknowledged (as the app's outbox does); true once the
// broker acknowledged them all.
bool publish_all(Client& c, const std::string& topic, const std::vector<std::string>& payloads) {
    const auto connected =
        c.events.wait_for([](const MqttEvent& e) { return e.type == Type::connected; });
    if (!connected) return false;
    const std::size_t window = static_cast<std::size_t>(std::max(1, connected->receive_maximum));
    std::size_t issued = 0;
    const auto acked_at_least = [&](std::size_t n) {
        return c.events.wait_until([n](const std::vector<MqttEvent>& seen) {
            return count(seen, Type::published) >= n || count(seen, Type::publish_failed) > 0;
        }) && count(c.events.all(), Type::publish_failed) == 0;
    };
    const std::size_t before = count(c.events.all(), Type::published);
    for (const auto& payload : payloads) {
        if (issued >= window && !acked_at_least(before + issued - window + 1)) return false;
        if (!c.transport->publish(topic, payload, 1)) return false;
        ++issued;
    }
    return acked_at_least(before + issued);
}

// Payloads of the messages received on `topic`, in order.
std::vector<std::string> payloads_on(const std::vector<MqttEvent>& seen, const std::string& topic) {
    std::vector<std::string> out;
    for (const auto& e : seen)
        if (e.type == Type::message && e.topic == topic) out.push_back(e.payload);
    return out;
}

// Every byte value, a NUL in the middle and invalid UTF-8 (a lone continuation
// byte, a truncated sequence, an overlong encoding, a surrogate, 0xFF).
std::string arbitrary_bytes() {
    std::string s("nul\0here", 8);
    for (int b = 0; b < 256; ++b)
        s += static_cast<char>(b);
    return s + "\x80 \xC3 \xC0\xAF \xED\xA0\x80 \xFF\xFE";
}

std::string large_payload(std::size_t size) {
    std::string s(size, '\0');
    std::uint32_t x = 2463534242u;  // xorshift: every byte value, deterministic
    for (auto& c : s) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

// A loopback port bound but never listened on: a connect to it is refused, and
// nobody else can take it while this is alive (unlike a port that was free).
class ClosedPort {
  public:
    ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        auto* any = reinterpret_cast<sockaddr*>(&addr);
        if (fd_ < 0 || ::bind(fd_, any, len) != 0 || ::getsockname(fd_, any, &len) != 0)
            throw std::runtime_error("cannot bind a loopback port");
        port_ = ntohs(addr.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    int port() const { return port_; }

  private:
    int fd_;
    int port_ = 0;
};

BrokerOptions with_websockets() {
    BrokerOptions options;
    options.websockets = true;
    return options;
}

// One Mosquitto per test with a websockets listener; the parameter picks the
// URL scheme, and with it the transport make_transport() uses inside.
class Transport : public ::testing::TestWithParam<std::string> {
  protected:
    Mosquitto broker{with_websockets()};
    std::string url() const {
        return url_on(GetParam() == "ws" ? broker.ws_port() : broker.port());
    }
    std::string url_on(int port) const {
        const std::string where = "127.0.0.1:" + std::to_string(port);
        return GetParam() == "ws" ? "ws://" + where + "/mqtt" : "mqtt://" + where;
    }
};

// The basic promise: connected carries connect()'s number, subscribed names the
// filter, and a message arrives byte for byte (not text: any bytes, and large).
TEST_P(Transport, ConnectSubscribeAndReceiveExactBytes) {
    Client sub;
    const std::uint64_t n = connect(sub, url(), "sub");
    ASSERT_NE(n, 0u);
    const std::string topic = "chat/r/messages";
    ASSERT_TRUE(subscribe(sub, topic, n));
    for (const std::string& payload : {arbitrary_bytes(), large_payload(200 * 1024)}) {
        publish(broker, topic, payload);  // mosquitto_pub -f: the bytes as they are
        const auto got = sub.events.wait_for([&](const MqttEvent& e) {
            return e.type == Type::message && e.payload.size() == payload.size();
        });
        ASSERT_TRUE(got) << "no message of " << payload.size() << " bytes";
        EXPECT_EQ(got->topic, topic);
        EXPECT_EQ(got->connection, n);
        EXPECT_TRUE(got->payload == payload)
            << "the payload of " << payload.size() << " bytes arrived changed";
    }
}

// QoS 1 both ways: the subscriber acknowledges what it got (or the broker would
// stop at its in-flight limit), and nothing is lost, repeated or reordered.
TEST_P(Transport, AThousandQos1MessagesArriveOnceInOrder) {
    Client sub, pub;
    const std::uint64_t n = connect(sub, url(), "sub");
    ASSERT_NE(n, 0u);
    ASSERT_TRUE(subscribe(sub, "q/1", n));
    ASSERT_NE(connect(pub, url(), "pub"), 0u);
    std::vector<std::string> sent;
    for (int i = 0; i < 1000; ++i)
        sent.push_back("m" + std::to_string(i));
    ASSERT_TRUE(publish_all(pub, "q/1", sent));
    // A marker after the thousand: a late duplicate would come before it.
    ASSERT_TRUE(publish_all(pub, "q/1", {"end"}));
    ASSERT_TRUE(sub.events.wait_until([](const std::vector<MqttEvent>& seen) {
        return payloads_on(seen, "q/1").size() >= 1001;
    })) << payloads_on(sub.events.all(), "q/1").size()
        << " of 1001 arrived";
    sent.push_back("end");
    EXPECT_EQ(payloads_on(sub.events.all(), "q/1"), sent);
}

// unsubscribe() has no event of its own: a SUBSCRIBE after it on the same
// connection is answered only after the broker handled it, so its `subscribed`
// is the fence; then a marker on a still-subscribed topic, published after the
// message on the unsubscribed one, shows that one would have arrived by now.
TEST_P(Transport, UnsubscribedTopicNoLongerArrives) {
    Client sub, pub;
    const std::uint64_t n = connect(sub, url(), "sub");
    ASSERT_NE(n, 0u);
    ASSERT_TRUE(subscribe(sub, "u/gone", n));
    ASSERT_TRUE(subscribe(sub, "u/kept", n));
    ASSERT_NE(connect(pub, url(), "pub"), 0u);
    ASSERT_TRUE(publish_all(pub, "u/gone", {"before"}));
    ASSERT_TRUE(sub.events.wait_for(is(Type::message, n, "u/gone")));

    sub.transport->unsubscribe("u/gone");
    ASSERT_TRUE(subscribe(sub, "u/fence", n));
    ASSERT_TRUE(publish_all(pub, "u/gone", {"after"}));
    ASSERT_TRUE(publish_all(pub, "u/kept", {"marker"}));
    ASSERT_TRUE(sub.events.wait_for(is(Type::message, n, "u/kept")));
    EXPECT_EQ(payloads_on(sub.events.all(), "u/gone"), std::vector<std::string>{"before"});
}

// Expects subscribe_failed for `topic` (any connection number: there may be none).
void expect_subscribe_refused(Client& c, const std::string& topic) {
    c.transport->subscribe(topic, 1);
    EXPECT_TRUE(c.events.wait_for([&](const MqttEvent& e) {
        return e.type == Type::subscribe_failed && e.topic == topic;
    })) << "no subscribe_failed for "
        << topic;
}

// The app keeps a message when publish() says nullopt, and subscribes again on
// the next connection after subscribe_failed: neither may pretend to work, nor
// crash, before the first connect, after a failed one, or after disconnect().
TEST_P(Transport, NotConnectedRefusesPublishAndSubscribe) {
    Client c;
    EXPECT_FALSE(c.transport->publish("n/t", "before any connect", 1));
    expect_subscribe_refused(c, "n/before-connect");

    const ClosedPort closed;
    const std::uint64_t failed = c.transport->connect(settings_for(url_on(closed.port()), "n"));
    const auto outcome = c.events.wait_for(outcome_of_connect(failed));
    ASSERT_TRUE(outcome);
    ASSERT_EQ(outcome->type, Type::connect_failed);
    EXPECT_FALSE(c.transport->publish("n/t", "after a failed connect", 1));
    expect_subscribe_refused(c, "n/after-failure");

    ASSERT_NE(connect(c, url(), "n"), 0u);
    c.transport->disconnect(std::chrono::seconds(1));
    EXPECT_FALSE(c.transport->publish("n/t", "after disconnect", 1));
    expect_subscribe_refused(c, "n/after-disconnect");
    EXPECT_EQ(count(c.events.all(), Type::connected), 1u);
}

// The app tells a stale event from a current one by its number alone: after
// disconnect() and connect() (while the broker still sends to the old one),
// the old connection's events keep the old number and the new one works.
TEST_P(Transport, ReconnectGetsANewNumberAndOldEventsKeepTheirs) {
    Client sub, pub;
    const std::uint64_t n1 = connect(sub, url(), "sub");
    ASSERT_NE(n1, 0u);
    ASSERT_TRUE(subscribe(sub, "r/old", n1));
    ASSERT_NE(connect(pub, url(), "pub"), 0u);
    std::vector<std::string> flood;
    for (int i = 0; i < 500; ++i)
        flood.push_back("old " + std::to_string(i) + std::string(2000, 'x'));
    bool flooded = false;  // the flood goes on while the subscriber reconnects
    std::thread publisher([&] { flooded = publish_all(pub, "r/old", flood); });
    const bool got_one = sub.events.wait_for(is(Type::message, n1, "r/old")).has_value();
    sub.transport->disconnect(std::chrono::seconds(1));
    const std::uint64_t n2 = connect(sub, url(), "sub");
    publisher.join();
    ASSERT_TRUE(got_one);
    ASSERT_TRUE(flooded);
    ASSERT_NE(n2, 0u);
    EXPECT_GT(n2, n1);
    ASSERT_TRUE(subscribe(sub, "r/new", n2));
    ASSERT_TRUE(publish_all(pub, "r/old", {"late"}));  // clean start: nobody wants it now
    ASSERT_TRUE(publish_all(pub, "r/new", {"fresh"}));
    const auto fresh = sub.events.wait_for(is(Type::message, n2, "r/new"));
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->payload, "fresh");

    const auto seen = sub.events.all();
    for (const auto& e : seen) {
        EXPECT_TRUE(e.connection == n1 || e.connection == n2)
            << "type " << static_cast<int>(e.type) << " numbered " << e.connection;
        if (e.type == Type::message && e.topic == "r/old") {
            EXPECT_EQ(e.connection, n1) << e.payload.substr(0, 8);
            EXPECT_NE(e.payload, "late");
        }
        EXPECT_NE(e.type, Type::connection_lost) << e.detail;  // none after disconnect()
    }
    EXPECT_EQ(std::count_if(seen.begin(), seen.end(), is(Type::connected, n2)), 1);
    // Nothing of the new connection before its `connected`.
    const auto first_new = std::find_if(seen.begin(), seen.end(),
                                        [&](const MqttEvent& e) { return e.connection == n2; });
    EXPECT_EQ(first_new->type, Type::connected);
}

// The app shows the detail on the status line: it must be one line.
TEST_P(Transport, ConnectToAClosedPortFailsWithOneLine) {
    Client c;
    const ClosedPort closed;
    const std::uint64_t n = c.transport->connect(settings_for(url_on(closed.port()), "closed"));
    const auto e = c.events.wait_for(outcome_of_connect(n));
    ASSERT_TRUE(e);
    ASSERT_EQ(e->type, Type::connect_failed);
    EXPECT_FALSE(e->detail.empty());
    EXPECT_EQ(e->detail.find_first_of("\r\n"), std::string::npos) << e->detail;
}

std::string scheme_name(const ::testing::TestParamInfo<std::string>& param) {
    return param.param;
}

INSTANTIATE_TEST_SUITE_P(Scheme, Transport, ::testing::Values("mqtt", "ws"), scheme_name);

}  // namespace
