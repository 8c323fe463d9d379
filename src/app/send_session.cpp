// The send loop: stdin lines become messages, published through a bounded
// window of unacknowledged publishes (see PITFALLS: Paho's MQTT 5 pipelining
// stalls beyond the broker's Receive Maximum), re-sent after a reconnect.
#include "send_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include "app/broker_link.hpp"
#include "core/exit_code.hpp"
#include "core/line_splitter.hpp"
#include "core/message_id.hpp"
#include "core/payload_codec.hpp"
#include "core/utf8.hpp"
#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

using transport::MqttEvent;

// Outstanding publishes: at most the broker's Receive Maximum (Paho stalls
// beyond it), and at most 32: against a broker allowing 1000, 100,000 lines
// took 8.3-9.0 s with 8, 6.7-7.9 s with 20, 6.2 s with 32, 6.6 s with 100.
constexpr std::size_t kMaxWindow = 32;
// Stop reading stdin while this many messages wait: bounded memory for any input.
constexpr std::size_t kMaxPending = 4096;
constexpr std::size_t kReadChunk = 64 * 1024;

// Bytes of a payload around its text: what split_for_payload must leave room for.
std::size_t envelope_size(const std::string& user, const std::string& name) {
    Message m;
    m.user = user;
    m.name = name;
    m.id = std::string(26, '0');
    m.timestamp = 9'999'999'999'999;
    return encode_payload(m).size();
}

struct Outgoing {
    std::string payload;
    std::size_t line = 0;  // 1-based input line, for messages about it
};

class SendSession {
  public:
    SendSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          link_(plan, access, reporter),
          ids_(platform::random_bytes) {}

    int run() {
        if (!plan_.send_stdin) {
            enqueue_text(plan_.send_text, 1);
            input_done_ = true;
        }
        start_ms_ = platform::monotonic_ms();
        if (auto err = link_.open()) return fail(*err);
        reporter_.info("send", "connecting to " + link_.url_text());
        while (!finished()) {
            if (auto code = step()) return *code;
        }
        link_.close();
        reporter_.info("send", std::to_string(acked_) + " message(s) acknowledged in " +
                                   std::to_string(platform::monotonic_ms() - start_ms_) + " ms");
        return to_int(ExitCode::ok);
    }

  private:
    bool finished() const {
        return input_done_ && pending_.empty() && inflight_.empty() &&
               (connected_once_ || total_ == 0);
    }
    bool reading_stdin() const {
        return plan_.send_stdin && !input_done_ && pending_.size() < kMaxPending;
    }
    bool awaiting_broker() const { return !connected_ || !inflight_.empty(); }

    std::optional<int> step() {
        std::vector<int> fds{signals_.fd(), link_.fd()};
        if (reading_stdin()) fds.push_back(STDIN_FILENO);
        const auto ready =
            wait_readable(fds, link_.ms_until_refresh(awaiting_broker() ? poll_timeout() : 60000));
        if (ready[0] && signals_.take() != 0)
            return fail(ExitCode::interrupted, "send", "interrupted");
        if (ready[1])
            for (auto& e : link_.take_events())
                if (auto code = handle(e)) return code;
        if (fds.size() > 2 && ready[2])
            if (auto code = read_stdin()) return code;
        if (auto err = link_.refresh_if_due()) return fail(*err);
        fill_window();
        return check_deadline();
    }

    int poll_timeout() const {
        const auto left = progress_ms_ + plan_.ack_timeout.count() - platform::monotonic_ms();
        return static_cast<int>(std::clamp<long long>(left, 0, 1000));
    }

    std::optional<int> check_deadline() {
        if (!connected_once_ || !awaiting_broker()) return std::nullopt;
        if (platform::monotonic_ms() - progress_ms_ < plan_.ack_timeout.count())
            return std::nullopt;
        const std::string secs = seconds_text(plan_.ack_timeout);
        if (!connected_)
            return fail(ExitCode::broker_failed, "send",
                        "connection to " + link_.url_text() +
                            " lost and not re-established within " + secs);
        return fail(ExitCode::timeout, "send", "no acknowledgement from the broker within " + secs);
    }

    std::optional<int> handle(const MqttEvent& e) {
        switch (e.type) {
            case MqttEvent::Type::connected:
                on_connected(e);
                break;
            case MqttEvent::Type::connect_failed:
                return on_connect_failed(e);
            case MqttEvent::Type::connection_lost:
                on_connection_lost(e);
                break;
            case MqttEvent::Type::published:
                on_acknowledged(e.ticket);
                break;
            case MqttEvent::Type::publish_failed:
                return on_publish_failed(e);
            default:
                break;
        }
        return std::nullopt;
    }

    // The first connect failing ends the run; a failed automatic reconnect
    // only matters when the broker refused the token: then a new one, once.
    std::optional<int> on_connect_failed(const MqttEvent& e) {
        if (!connected_once_)
            return fail(ExitCode::broker_failed, "broker", link_.connect_failure(e));
        if (e.reason_code != 0x86 && e.reason_code != 0x87) return std::nullopt;
        if (renewed_) return fail(ExitCode::broker_failed, "broker", link_.connect_failure(e));
        renewed_ = true;
        if (auto err = link_.renew_after_refusal()) return fail(*err);
        return std::nullopt;
    }

    void on_connected(const MqttEvent& e) {
        renewed_ = false;
        if (connected_once_ && !quiet_reconnect_)
            reporter_.warn("send", "reconnected to " + link_.url_text());
        quiet_reconnect_ = false;
        reporter_.info("send",
                       "connected; broker Receive Maximum " + std::to_string(e.receive_maximum));
        connected_ = connected_once_ = true;
        window_ =
            std::clamp<std::size_t>(static_cast<std::size_t>(e.receive_maximum), 1, kMaxWindow);
        progress_ms_ = platform::monotonic_ms();
    }

    // Unacknowledged messages go back to the front of the queue, in order;
    // a message that did arrive is then delivered twice with the same id, and
    // readers drop the repeat.
    void requeue_inflight() {
        for (auto it = inflight_.rbegin(); it != inflight_.rend(); ++it)
            pending_.push_front(std::move(it->second));
        inflight_.clear();
    }

    void on_connection_lost(const MqttEvent& e) {
        if (!connected_) return;
        connected_ = false;
        progress_ms_ = platform::monotonic_ms();
        reporter_.warn(
            "send", "connection to " + link_.url_text() + " lost (" + e.detail + "); reconnecting");
        requeue_inflight();
    }

    void on_acknowledged(std::uint64_t ticket) {
        if (inflight_.erase(ticket) == 0) return;  // from before a reconnect
        ++acked_;
        progress_ms_ = platform::monotonic_ms();
    }

    std::optional<int> on_publish_failed(const MqttEvent& e) {
        const auto it = inflight_.find(e.ticket);
        if (it == inflight_.end()) return std::nullopt;
        if (e.reason_code >= 0x80)
            return fail(ExitCode::broker_failed, "send",
                        "broker refused the message from line " + std::to_string(it->second.line) +
                            ": " + transport::reason_text(e.reason_code));
        requeue_inflight();  // lost by the library (disconnect): try again after reconnect
        return std::nullopt;
    }

    void fill_window() {
        while (connected_ && !pending_.empty() && inflight_.size() < window_) {
            const auto ticket = link_.mqtt().publish(plan_.topic, pending_.front().payload, 1);
            if (!ticket) return;  // not connected this instant: the lost event follows
            if (inflight_.empty()) progress_ms_ = platform::monotonic_ms();
            inflight_.emplace(*ticket, std::move(pending_.front()));
            pending_.pop_front();
        }
    }

    std::optional<int> read_stdin() {
        char buf[kReadChunk];
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::nullopt;
        if (n < 0)
            return fail(ExitCode::unexpected, "send",
                        std::string("cannot read stdin: ") + std::strerror(errno));
        std::vector<std::string> lines;
        std::vector<std::size_t> numbers;
        if (n == 0) {
            splitter_.finish(lines, &numbers);
            input_done_ = true;
        } else {
            splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)), lines, &numbers);
        }
        for (std::size_t i = 0; i < lines.size(); ++i)
            enqueue_text(std::move(lines[i]), numbers[i]);
        return std::nullopt;
    }

    void enqueue_text(std::string text, std::size_t line) {
        if (!utf8::is_valid(text)) {
            reporter_.warn("send", "line " + std::to_string(line) +
                                       " is not valid UTF-8: invalid bytes are sent as U+FFFD");
            text = utf8::make_valid(text);
        }
        Message m;
        m.user = access_.user_id();
        m.name = access_.user_name();
        m.timestamp = platform::now_ms();
        m.id = ids_.next(m.timestamp);
        auto pieces = split_for_payload(text, envelope_bytes_);
        if (pieces.size() > 1)
            reporter_.warn("send", "line " + std::to_string(line) +
                                       " is too long for one message: sent as " +
                                       std::to_string(pieces.size()) + " messages");
        for (auto& piece : pieces) {
            if (m.id.empty()) m.id = ids_.next(m.timestamp);
            m.text = std::move(piece);
            pending_.push_back({encode_payload(m), line});
            ++total_;
            m.id.clear();
        }
    }

    int fail(const ApiError& e) {
        return fail(static_cast<ExitCode>(e.exit_code), e.stage, e.cause);
    }

    int fail(ExitCode code, std::string_view stage, const std::string& cause) {
        std::string progress;  // only once sending began: before that nothing went anywhere
        if (total_ > 0 && connected_once_)
            progress = " (" + std::to_string(acked_) + " of " + std::to_string(total_) +
                       (input_done_ ? "" : "+") + " message(s) acknowledged)";
        reporter_.error(stage, cause + progress);
        return to_int(code);
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    BrokerLink link_;
    UlidGenerator ids_;
    LineSplitter splitter_;
    std::deque<Outgoing> pending_;
    std::map<std::uint64_t, Outgoing> inflight_;  // by ticket: publish order
    std::size_t window_ = 1;
    std::size_t acked_ = 0;
    std::size_t total_ = 0;
    bool connected_ = false;
    bool connected_once_ = false;
    bool input_done_ = false;
    std::int64_t start_ms_ = 0;
    std::size_t envelope_bytes_ = envelope_size(access_.user_id(), access_.user_name());
    bool renewed_ = false;          // a new token after a refusal, not yet connected with
    bool quiet_reconnect_ = false;  // the coming reconnect is a planned one
    std::int64_t progress_ms_ = 0;
};

}  // namespace

int run_send(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals) {
    return SendSession(plan, access, reporter, signals).run();
}

}  // namespace mqchat::app
