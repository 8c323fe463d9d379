// MqttTransport on Paho's C++ async client, MQTT 5, built as the module
// libmqchat_paho.so (paho_loader.cpp loads it for TLS and WebSockets). Every
// Paho callback only turns what happened into an MqttEvent for the sink;
// nothing here blocks.
#include <mqtt/async_client.h>

#include <atomic>
#include <utility>

#include "mqtt_transport.hpp"

namespace mqchat::transport {
namespace {

// Paho's own cap on publishes queued inside the library; the app keeps its
// window far below it, so this only needs to be comfortably large.
constexpr int kMaxBufferedMessages = 65535;
constexpr int kDefaultReceiveMaximum = 65535;

MqttEvent event_of(MqttEvent::Type type, std::uint64_t connection) {
    MqttEvent e;
    e.type = type;
    e.connection = connection;
    return e;
}

int receive_maximum_of(const mqtt::properties& props) {
    if (props.contains(mqtt::property::RECEIVE_MAXIMUM))
        return mqtt::get<uint16_t>(props, mqtt::property::RECEIVE_MAXIMUM);
    return kDefaultReceiveMaximum;
}

std::uint64_t number_of(const mqtt::token& tok) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
}

void* context_of(std::uint64_t number) {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(number));
}

std::string first_topic(const mqtt::token& tok) {
    const auto topics = tok.get_topics();
    return topics && topics->size() > 0 ? (*topics)[0] : std::string();
}

class PahoTransport final : public MqttTransport {
  public:
    PahoTransport(EventSink sink, bool ends_with_process)
        : sink_(std::move(sink)), ends_with_process_(ends_with_process) {}

    ~PahoTransport() override {
        try {
            if (client_) {
                client_->disable_callbacks();
                if (client_->is_connected())
                    client_->disconnect(0)->wait_for(std::chrono::seconds(1));
                // The DISCONNECT is out; the process exit ends Paho's threads.
                if (ends_with_process_) (void)client_.release();
            }
        } catch (...) {  // tearing down: nothing left to report to
        }
    }

    std::uint64_t connect(const ConnectSettings& s) override {
        const std::string uri = s.url.transport_uri();
        if (!client_ || uri != uri_ || s.client_id != client_id_) {
            client_.reset();
            uri_ = uri;
            client_id_ = s.client_id;
            mqtt::create_options create(MQTTVERSION_5, kMaxBufferedMessages);
            client_ = std::make_unique<mqtt::async_client>(uri, s.client_id, create);
        }
        const std::uint64_t connection = ++connection_;
        last_connect_ = connection;
        install_callbacks(connection);
        options_ = build_options(s);
        try {
            client_->connect(options_, context_of(connection), connect_listener_);
        } catch (const mqtt::exception& ex) {
            MqttEvent e = event_of(MqttEvent::Type::connect_failed, connection);
            e.return_code = ex.get_return_code();
            e.detail = ex.what();
            sink_(std::move(e));
        }
        return connection;
    }

    void subscribe(const std::string& topic, int qos) override {
        try {
            if (!client_ || !client_->is_connected())
                throw mqtt::exception(MQTTASYNC_DISCONNECTED, "not connected");
            client_->subscribe(topic, qos, context_of(connection_), subscribe_listener_);
        } catch (const mqtt::exception& ex) {
            // Stamped with the last connect()'s number, which the caller knows
            // (disconnect() moves connection_ on to a number it never returns).
            MqttEvent e = event_of(MqttEvent::Type::subscribe_failed, last_connect_);
            e.topic = topic;
            e.return_code = ex.get_return_code();
            e.detail = ex.what();
            sink_(std::move(e));
        }
    }

    void unsubscribe(const std::string& topic) override {
        try {
            client_->unsubscribe(topic);
        } catch (const mqtt::exception&) {
            // not connected at this instant: the next connection will not subscribe
        }
    }

    std::optional<std::uint64_t> publish(const std::string& topic, const std::string& payload,
                                         int qos) override {
        // Paho would queue it while disconnected (send-while-disconnected is
        // on with a buffer); the caller keeps it instead, as the contract says.
        if (!client_ || !client_->is_connected()) return std::nullopt;
        const std::uint64_t ticket = ++last_ticket;
        try {
            auto msg = mqtt::make_message(topic, payload, qos, false);
            client_->publish(msg, context_of(ticket), publish_listener_);
        } catch (const mqtt::exception&) {
            return std::nullopt;  // not connected at this instant
        }
        return ticket;
    }

    void disconnect(std::chrono::milliseconds timeout) override {
        if (!client_) return;
        ++connection_;  // whatever the old connection still says is stale
        try {
            client_->disable_callbacks();
            if (client_->is_connected())
                client_->disconnect(static_cast<int>(timeout.count()))
                    ->wait_for(timeout + std::chrono::seconds(1));
        } catch (const mqtt::exception&) {  // already gone: nothing to undo
        }
    }

  private:
    // Set again before every connect: disconnect() switches them off, and
    // each set of handlers stamps its events with its connection's number.
    void install_callbacks(std::uint64_t connection) {
        client_->set_message_callback([this, connection](mqtt::const_message_ptr msg) {
            MqttEvent e = event_of(MqttEvent::Type::message, connection);
            e.topic = msg->get_topic();
            e.payload = msg->get_payload();
            sink_(std::move(e));
        });
        client_->set_connected_handler([this, connection](const std::string&) {
            // Paho calls this after connect_listener_ has seen the CONNACK.
            MqttEvent e = event_of(MqttEvent::Type::connected, connection);
            e.receive_maximum = receive_maximum_.load();
            sink_(std::move(e));
        });
        client_->set_connection_lost_handler([this, connection](const std::string& cause) {
            MqttEvent e = event_of(MqttEvent::Type::connection_lost, connection);
            e.detail = cause.empty() ? "connection lost" : cause;
            sink_(std::move(e));
        });
        client_->set_disconnected_handler(
            [this, connection](const mqtt::properties&, mqtt::ReasonCode reason) {
                MqttEvent e = event_of(MqttEvent::Type::connection_lost, connection);
                e.reason_code = static_cast<int>(reason);
                e.detail = "the broker closed the connection: " + reason_text(e.reason_code);
                sink_(std::move(e));
            });
    }

    static mqtt::connect_options build_options(const ConnectSettings& s) {
        auto builder = mqtt::connect_options_builder()
                           .mqtt_version(MQTTVERSION_5)
                           .clean_start(s.clean_start)
                           .keep_alive_interval(s.keep_alive)
                           .connect_timeout(s.connect_timeout)
                           .properties({{mqtt::property::SESSION_EXPIRY_INTERVAL,
                                         static_cast<int>(s.session_expiry.count())}});
        if (s.auto_reconnect)
            builder.automatic_reconnect(std::chrono::seconds(1), s.max_retry_interval);
        if (!s.username.empty()) builder.user_name(s.username);
        if (!s.password.empty()) builder.password(s.password);
        if (s.url.uses_tls()) {
            mqtt::ssl_options ssl;
            if (!s.cafile.empty()) ssl.set_trust_store(s.cafile);
            ssl.set_enable_server_cert_auth(!s.insecure);
            ssl.set_verify(!s.insecure);
            builder.ssl(std::move(ssl));
        }
        return builder.finalize();
    }

    // Paho holds references to listeners: they live as long as the transport.
    // One class serves all three operations; `ok` tells success from failure.
    class Listener final : public mqtt::iaction_listener {
      public:
        using Handler = void (PahoTransport::*)(const mqtt::token&, bool ok);
        Listener(PahoTransport& t, Handler handler) : t_(t), handler_(handler) {}
        void on_success(const mqtt::token& tok) override { (t_.*handler_)(tok, true); }
        void on_failure(const mqtt::token& tok) override { (t_.*handler_)(tok, false); }

      private:
        PahoTransport& t_;
        Handler handler_;
    };

    // The failure event of an operation, with whatever codes Paho has.
    static MqttEvent failure_of(MqttEvent::Type type, const mqtt::token& tok,
                                std::uint64_t connection) {
        MqttEvent e = event_of(type, connection);
        e.reason_code = static_cast<int>(tok.get_reason_code());
        e.return_code = tok.get_return_code();
        return e;
    }

    void on_connect_done(const mqtt::token& tok, bool ok) {
        const std::uint64_t connection = number_of(tok);
        if (!ok) {
            MqttEvent e = failure_of(MqttEvent::Type::connect_failed, tok, connection);
            e.detail = mqtt::exception::error_str(e.return_code);
            // Paho 1.3.12 hands an MQTT 5 CONNACK refusal over as the return
            // code (0x88 -> 136), not as the reason code.
            if (e.reason_code == 0 && e.return_code >= 0x80 && e.return_code <= 0xFF)
                e.reason_code = e.return_code;
            return sink_(std::move(e));
        }
        // Only the Receive Maximum: Paho 1.2 calls this twice for MQTT 5, and
        // the connected handler reports the connection itself.
        try {
            receive_maximum_.store(receive_maximum_of(tok.get_connect_response().get_properties()));
        } catch (const mqtt::exception&) {  // no CONNACK properties: keep the default
        }
    }

    void on_subscribe_done(const mqtt::token& tok, bool ok) {
        MqttEvent e = failure_of(MqttEvent::Type::subscribe_failed, tok, number_of(tok));
        e.topic = first_topic(tok);
        if (ok) {
            try {
                const auto response = tok.get_subscribe_response();
                for (auto code : response.get_reason_codes())
                    if (static_cast<int>(code) >= 0x80) e.reason_code = static_cast<int>(code);
            } catch (const mqtt::exception&) {  // no SUBACK details: trust the token
            }
            if (e.reason_code < 0x80) e.type = MqttEvent::Type::subscribed;
        }
        sink_(std::move(e));
    }

    // A PUBACK with a reason code >= 0x80 is a refusal even when Paho calls it success.
    void on_publish_done(const mqtt::token& tok, bool ok) {
        MqttEvent e = failure_of(MqttEvent::Type::publish_failed, tok, 0);
        e.ticket = number_of(tok);
        if (ok && e.reason_code < 0x80) e.type = MqttEvent::Type::published;
        sink_(std::move(e));
    }

    EventSink sink_;
    bool ends_with_process_;
    std::unique_ptr<mqtt::async_client> client_;
    std::string uri_;
    std::string client_id_;
    mqtt::connect_options options_;  // built once per connect: copies can drop properties
    std::atomic<int> receive_maximum_{kDefaultReceiveMaximum};
    std::uint64_t connection_ = 0;    // the current connect()'s number
    std::uint64_t last_connect_ = 0;  // the number the last connect() returned
    // Process-wide, so tickets of a replaced client never match a new one's.
    static inline std::atomic<std::uint64_t> last_ticket{0};
    Listener connect_listener_{*this, &PahoTransport::on_connect_done};
    Listener subscribe_listener_{*this, &PahoTransport::on_subscribe_done};
    Listener publish_listener_{*this, &PahoTransport::on_publish_done};
};

}  // namespace

}  // namespace mqchat::transport

// The module's one export (see paho_loader.cpp); the sink is moved from.
extern "C" __attribute__((visibility("default"))) mqchat::transport::MqttTransport*
mqchat_make_paho_transport(mqchat::transport::EventSink* sink, bool ends_with_process) {
    return new mqchat::transport::PahoTransport(std::move(*sink), ends_with_process);
}
