// The tail loop: subscribe (again after every reconnect), then fetch history,
// so history and live join with no gap; drop repeats by id; close gaps after
// a reconnect from history; write each batch of lines at once.
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

constexpr int kHistoryPage = 500;  // the history route's largest page

class TailSession {
  public:
    TailSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          link_(plan, access, reporter),
          out_(STDOUT_FILENO) {}

    int run() {
        last_activity_ms_ = platform::monotonic_ms();
        if (plan_.no_follow) return print_history_only();
        if (auto err = link_.open()) return fail(*err);
        reporter_.info("tail", "connecting to " + link_.url_text());
        for (;;) {
            if (auto code = step()) return *code;
        }
    }

  private:
    std::optional<int> step() {
        const auto ready =
            wait_readable({signals_.fd(), link_.fd()}, link_.ms_until_refresh(poll_timeout()));
        if (ready[0] && signals_.take() != 0) {
            flush();
            return to_int(ExitCode::interrupted);
        }
        if (ready[1]) {
            for (auto& e : link_.take_events()) {
                if (auto code = handle(e)) {
                    flush();
                    return code;
                }
            }
            if (auto code = flush()) return code;
            if (plan_.count && live_shown_ >= *plan_.count) return finish();
        }
        if (auto err = link_.refresh_if_due()) return fail(*err);
        if (plan_.idle_timeout &&
            platform::monotonic_ms() - last_activity_ms_ >= plan_.idle_timeout->count()) {
            reporter_.error("tail", "no message for " + seconds_text(*plan_.idle_timeout));
            return to_int(ExitCode::timeout);
        }
        return std::nullopt;
    }

    int poll_timeout() const {
        if (!plan_.idle_timeout) return 60000;
        const auto left =
            last_activity_ms_ + plan_.idle_timeout->count() - platform::monotonic_ms();
        return static_cast<int>(std::clamp<long long>(left, 0, 1000));
    }

    std::optional<int> handle(const MqttEvent& e) {
        switch (e.type) {
            case MqttEvent::Type::connected:
                if (connected_once_ && !quiet_reconnect_)
                    reporter_.warn("tail", "reconnected to " + link_.url_text());
                connected_once_ = true;
                renewed_ = false;
                quiet_reconnect_ = false;
                link_.mqtt().subscribe(plan_.topic, 1);  // every time: a reconnect can lose it
                break;
            case MqttEvent::Type::connect_failed:
                return on_connect_failed(e);
            case MqttEvent::Type::subscribed:
                return on_subscribed();
            case MqttEvent::Type::subscribe_failed:
                reporter_.error("tail", "broker " + link_.url_text() +
                                            " refused the subscription to " + plan_.topic + ": " +
                                            refusal_text(e));
                return to_int(ExitCode::broker_failed);
            case MqttEvent::Type::connection_lost:
                quiet_reconnect_ = e.planned;
                if (e.planned)
                    reporter_.info("tail", e.detail);
                else
                    reporter_.warn("tail", "connection to " + link_.url_text() + " lost (" +
                                               e.detail + "); reconnecting");
                break;
            case MqttEvent::Type::message:
                show_live(e);
                break;
            default:
                break;
        }
        return std::nullopt;
    }

    // Only a refused token deserves a new one; other failed reconnects are
    // retried by the library.
    std::optional<int> on_connect_failed(const MqttEvent& e) {
        if (connected_once_ && e.reason_code != 0x86 && e.reason_code != 0x87) return std::nullopt;
        if (!connected_once_ || renewed_) {
            reporter_.error("broker", link_.connect_failure(e));
            return to_int(ExitCode::broker_failed);
        }
        renewed_ = true;
        if (auto err = link_.renew_after_refusal()) return fail(*err);
        return std::nullopt;
    }

    // Subscribed first, so nothing published from now on is missed; then the
    // history before it (first time) or since the last line shown (after a
    // reconnect). Live messages wait in the queue meanwhile; ids drop repeats.
    std::optional<int> on_subscribed() {
        reporter_.info("tail", "subscribed to " + plan_.topic);
        if (!access_.has_server()) return std::nullopt;
        if (!history_loaded_) {
            history_loaded_ = true;
            if (plan_.history_lines > 0) return show_history_tail();
            return std::nullopt;
        }
        return fill_gap();
    }

    std::optional<int> show_history_tail() {
        std::vector<Message> all;
        std::string before;
        while (static_cast<int>(all.size()) < plan_.history_lines) {
            const int want =
                std::min(kHistoryPage, plan_.history_lines - static_cast<int>(all.size()));
            auto page = access_.api().history(access_.session_secret(), plan_.room, want, before);
            if (auto* err = std::get_if<ApiError>(&page)) return fail(*err);
            auto& got = std::get<HistoryPage>(page);
            if (!got.notice.empty()) reporter_.warn("history", got.notice);
            if (got.messages.empty()) break;
            before = got.messages.front().id;
            const bool last_page = static_cast<int>(got.messages.size()) < want;
            all.insert(all.begin(), std::make_move_iterator(got.messages.begin()),
                       std::make_move_iterator(got.messages.end()));
            if (last_page) break;
        }
        for (const auto& m : all)
            show(m);
        return std::nullopt;
    }

    // After a reconnect: what the room said while we were away.
    std::optional<int> fill_gap() {
        if (last_id_.empty()) return std::nullopt;
        for (;;) {
            auto page = access_.api().history(access_.session_secret(), plan_.room, kHistoryPage,
                                              {}, last_id_);
            if (auto* err = std::get_if<ApiError>(&page)) {
                reporter_.warn("history",
                               "could not fetch what was missed while disconnected: " + err->cause);
                return std::nullopt;
            }
            auto& got = std::get<HistoryPage>(page);
            for (const auto& m : got.messages)
                show(m);
            if (static_cast<int>(got.messages.size()) < kHistoryPage) return std::nullopt;
        }
    }

    int print_history_only() {
        if (plan_.history_lines > 0)
            if (auto code = show_history_tail()) return *code;
        if (auto code = flush()) return *code;
        return to_int(ExitCode::ok);
    }

    static std::string refusal_text(const MqttEvent& e) {
        if (e.reason_code >= 0x80) return transport::reason_text(e.reason_code);
        return "library error " + std::to_string(e.return_code);
    }

    void show_live(const MqttEvent& e) {
        if (e.topic != plan_.topic) return;
        last_activity_ms_ = platform::monotonic_ms();
        const auto now = platform::now_ms();
        auto decoded = decode_payload(e.payload, now);
        for (const auto& m : decoded.messages) {
            if (plan_.count && live_shown_ >= *plan_.count) break;
            if (show(m)) ++live_shown_;
        }
        if (!decoded.notice.empty()) show_notice(decoded.notice, now);
    }

    // False for a repeat (QoS 1 redelivery, or history and live overlapping).
    bool show(const Message& m) {
        if (!seen_.insert(m.id)) return false;
        out_.append(plan_.json ? render_json_line(m)
                               : plan_.format.render(m, plan_.room, plan_.color));
        last_id_ = m.id;
        return true;
    }

    // Machine formats keep stdout for messages; people see notices inline.
    void show_notice(const std::string& notice, std::int64_t now) {
        if (plan_.json || !plan_.format.is_default())
            reporter_.warn("tail", notice);
        else
            out_.append(render_notice_line(notice, now, plan_.color));
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

    int fail(const ApiError& e) {
        flush();
        reporter_.error(e.stage, e.cause);
        return e.exit_code;
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    BrokerLink link_;
    platform::Output out_;
    RecentIds seen_;
    std::string last_id_;  // of the newest line shown: where a gap starts
    long live_shown_ = 0;
    bool connected_once_ = false;
    bool history_loaded_ = false;
    bool renewed_ = false;
    bool quiet_reconnect_ = false;
    std::int64_t last_activity_ms_ = 0;
};

}  // namespace

int run_tail(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals) {
    return TailSession(plan, access, reporter, signals).run();
}

}  // namespace mqchat::app
