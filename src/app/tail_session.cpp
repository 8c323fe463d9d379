// The tail loop: subscribe (again after every reconnect), decode every dialect,
// drop repeats by id, render, and write each batch of lines at once.
#include "tail_session.hpp"

#include <unistd.h>

#include <algorithm>

#include "app/broker_link.hpp"
#include "core/exit_code.hpp"
#include "core/payload_codec.hpp"
#include "core/recent_ids.hpp"
#include "platform/environment.hpp"
#include "platform/output.hpp"

namespace mqchat::app {
namespace {

using transport::MqttEvent;

class TailSession {
  public:
    TailSession(const Plan& plan, const Reporter& reporter, platform::SignalWatcher& signals)
        : plan_(plan), reporter_(reporter), signals_(signals), link_(plan), out_(STDOUT_FILENO) {}

    int run() {
        reporter_.info("tail", "connecting to " + link_.url_text());
        last_activity_ms_ = platform::monotonic_ms();
        link_.connect();
        for (;;) {
            if (auto code = step()) return *code;
        }
    }

  private:
    std::optional<int> step() {
        const auto ready = wait_readable({signals_.fd(), link_.fd()}, poll_timeout());
        if (ready[0] && signals_.take() != 0) {
            flush();
            return to_int(ExitCode::interrupted);
        }
        if (ready[1]) {
            for (auto& e : link_.take_events())
                if (auto code = handle(e)) {
                    flush();
                    return code;
                }
            if (auto code = flush()) return code;
            if (plan_.count && shown_ >= *plan_.count) return finish();
        }
        if (plan_.idle_timeout &&
            platform::monotonic_ms() - last_activity_ms_ >= plan_.idle_timeout->count()) {
            reporter_.error("tail", "no message for " + seconds_text(*plan_.idle_timeout));
            return to_int(ExitCode::timeout);
        }
        return std::nullopt;
    }

    int poll_timeout() const {
        if (!plan_.idle_timeout) return -1;
        const auto left =
            last_activity_ms_ + plan_.idle_timeout->count() - platform::monotonic_ms();
        return static_cast<int>(std::clamp<long long>(left, 0, 1000));
    }

    std::optional<int> handle(const MqttEvent& e) {
        switch (e.type) {
            case MqttEvent::Type::connected:
                if (connected_once_) reporter_.warn("tail", "reconnected to " + link_.url_text());
                connected_once_ = true;
                link_.mqtt().subscribe(plan_.topic, 1);  // every time: a reconnect can lose it
                break;
            case MqttEvent::Type::connect_failed:
                reporter_.error("broker", link_.connect_failure(e));
                return to_int(ExitCode::broker_failed);
            case MqttEvent::Type::subscribed:
                reporter_.info("tail", "subscribed to " + plan_.topic);
                break;
            case MqttEvent::Type::subscribe_failed:
                reporter_.error("tail", "broker " + link_.url_text() +
                                            " refused the subscription to " + plan_.topic + ": " +
                                            refusal_text(e));
                return to_int(ExitCode::broker_failed);
            case MqttEvent::Type::connection_lost:
                reporter_.warn("tail", "connection to " + link_.url_text() + " lost (" + e.detail +
                                           "); reconnecting");
                break;
            case MqttEvent::Type::message:
                show(e);
                break;
            default:
                break;
        }
        return std::nullopt;
    }

    static std::string refusal_text(const MqttEvent& e) {
        if (e.reason_code >= 0x80) return transport::reason_text(e.reason_code);
        return "library error " + std::to_string(e.return_code);
    }

    void show(const MqttEvent& e) {
        if (e.topic != plan_.topic) return;
        last_activity_ms_ = platform::monotonic_ms();
        const auto now = platform::now_ms();
        auto decoded = decode_payload(e.payload, now);
        for (const auto& m : decoded.messages) {
            if (plan_.count && shown_ >= *plan_.count) break;
            if (!seen_.insert(m.id)) continue;
            out_.append(plan_.json ? render_json_line(m)
                                   : plan_.format.render(m, plan_.room, plan_.color));
            ++shown_;
        }
        if (decoded.notice.empty()) return;
        // Machine formats keep stdout for messages; people see notices inline.
        if (plan_.json || !plan_.format.is_default())
            reporter_.warn("tail", decoded.notice);
        else
            out_.append(render_notice_line(decoded.notice, now, plan_.color));
    }

    std::optional<int> flush() {
        switch (out_.flush()) {
            case platform::Output::Status::ok:
                return std::nullopt;
            case platform::Output::Status::closed:
                return finish();  // `| head`: a normal end
            case platform::Output::Status::failed:
                reporter_.error("output", "cannot write to stdout: " + out_.error_text());
                return to_int(ExitCode::unexpected);
        }
        return std::nullopt;
    }

    int finish() {
        link_.close();
        return to_int(ExitCode::ok);
    }

    const Plan& plan_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    BrokerLink link_;
    platform::Output out_;
    RecentIds seen_;
    long shown_ = 0;
    bool connected_once_ = false;
    std::int64_t last_activity_ms_ = 0;
};

}  // namespace

int run_tail(const Plan& plan, const Reporter& reporter, platform::SignalWatcher& signals) {
    return TailSession(plan, reporter, signals).run();
}

}  // namespace mqchat::app
