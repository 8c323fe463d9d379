// The tail loop: the connection supervisor keeps the link, the room sync joins
// history and live (after every reconnect too), and each batch of lines is
// written at once. HTTP runs on the worker thread; this loop never blocks on it.
#include "tail_session.hpp"

#include <unistd.h>

#include <algorithm>

#include "app/connection_supervisor.hpp"
#include "app/http_worker.hpp"
#include "app/token_source.hpp"
#include "core/exit_code.hpp"
#include "core/payload_codec.hpp"
#include "core/room_sync.hpp"
#include "platform/environment.hpp"
#include "platform/output.hpp"

namespace mqchat::app {
namespace {

constexpr int kHistoryPage = 500;  // the history route's largest page
constexpr int kIdleWaitMs = 60000;

SupervisorSettings supervisor_settings(const Plan& plan) {
    SupervisorSettings s;
    s.cafile = plan.cafile;
    s.insecure = plan.insecure;
    return s;
}

RoomSyncSettings sync_settings(const Plan& plan, const Access& access) {
    RoomSyncSettings s;
    s.initial_lines = plan.history_lines;
    s.has_history = access.has_server();
    s.page = kHistoryPage;
    return s;
}

class TailSession {
  public:
    TailSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals, const SessionPorts& ports)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          clock_(ports.clock),
          worker_([&access] { access.cancel_requests(); }),
          tokens_(access, worker_),
          supervisor_(supervisor_settings(plan), ports.transport, tokens_, ports.clock),
          sync_(sync_settings(plan, access)),
          out_(STDOUT_FILENO) {}

    int run() {
        last_activity_ms_ = clock_.monotonic_ms();
        if (plan_.no_follow) return print_history_only();
        supervisor_.start({plan_.room});
        // History while the subscription is on its way, behind the token request.
        apply(sync_.begin(clock_.monotonic_ms()));
        for (;;) {
            if (auto code = step()) {
                supervisor_.close();
                return *code;
            }
        }
    }

  private:
    std::optional<std::int64_t> idle_deadline() const {
        if (!plan_.idle_timeout) return std::nullopt;
        return last_activity_ms_ + plan_.idle_timeout->count();
    }

    std::optional<int> step() {
        const auto timeout =
            timeout_until({supervisor_.next_deadline_ms(), sync_.next_deadline(), idle_deadline()},
                          clock_.monotonic_ms(), kIdleWaitMs);
        const auto ready =
            wait_readable({signals_.fd(), supervisor_.event_fd(), worker_.fd()}, timeout);
        if (ready[0] && signals_.take() != 0) {
            flush();
            return to_int(ExitCode::interrupted);
        }
        if (ready[1]) supervisor_.on_transport_ready();
        if (ready[2]) worker_.apply_results();
        supervisor_.tick();
        apply(sync_.on_tick(clock_.monotonic_ms()));
        for (const auto& e : supervisor_.take_events()) {
            if (auto code = handle(e); code && !exit_) exit_ = code;
            if (exit_) break;
        }
        if (exit_) {
            flush();
            return exit_;
        }
        if (auto code = flush()) return code;
        if (plan_.count && live_shown_ >= *plan_.count) return to_int(ExitCode::ok);
        if (const auto idle = idle_deadline(); idle && clock_.monotonic_ms() >= *idle) {
            reporter_.error("tail", "no message for " + seconds_text(*plan_.idle_timeout));
            return to_int(ExitCode::timeout);
        }
        return std::nullopt;
    }

    std::optional<int> handle(const LinkEvent& e) {
        switch (e.kind) {
            case LinkEvent::Kind::connected:
                if (e.first)
                    reporter_.info("tail", "connected to " + supervisor_.url_text());
                else
                    reporter_.warn("tail", "reconnected to " + supervisor_.url_text());
                break;
            case LinkEvent::Kind::lost:
                if (e.planned)
                    reporter_.info("tail", e.text);
                else
                    reporter_.warn("tail", e.text + "; reconnecting");
                break;
            case LinkEvent::Kind::retrying:
                reporter_.info("tail",
                               "next attempt in " +
                                   seconds_text(std::chrono::milliseconds(
                                       std::max<std::int64_t>(0, e.at_ms - clock_.wall_ms()))));
                break;
            case LinkEvent::Kind::subscribed:
                reporter_.info("tail", "subscribed to " + plan_.topic);
                apply(sync_.on_subscribed(clock_.monotonic_ms()));
                break;
            case LinkEvent::Kind::subscribe_refused:
                reporter_.error("tail", "broker " + supervisor_.url_text() +
                                            " refused the subscription to " + plan_.topic + ": " +
                                            e.text);
                return to_int(ExitCode::broker_failed);
            case LinkEvent::Kind::message:
                show_live(e.payload);
                break;
            case LinkEvent::Kind::notice:
                reporter_.warn("tail", e.text);
                break;
            case LinkEvent::Kind::fatal:
                reporter_.error(e.stage, e.text);
                return e.exit_code;
            default:
                break;
        }
        return std::nullopt;
    }

    void show_live(const std::string& payload) {
        last_activity_ms_ = clock_.monotonic_ms();
        auto decoded = decode_payload(payload, clock_.wall_ms());
        for (auto& m : decoded.messages)
            apply(sync_.on_live(std::move(m), clock_.monotonic_ms()));
        if (!decoded.notice.empty()) show_notice(decoded.notice);
    }

    void apply(SyncStep step) {
        for (const auto& m : step.initial)
            print(m);
        for (const auto& m : step.messages) {
            if (plan_.count && live_shown_ >= *plan_.count) break;
            print(m);
            ++live_shown_;
        }
        for (const auto& n : step.notices)
            reporter_.warn("history", n);
        for (auto& r : step.fetch)
            fetch(std::move(r));
    }

    void fetch(HistoryRequest r) {
        const std::string session = access_.session_secret();
        const std::string room = plan_.room;
        worker_.post([this, r, session, room]() -> HttpWorker::Apply {
            auto page = access_.api().history(session, room, r.limit, r.before, r.after);
            return [this, r, page = std::move(page)]() mutable { on_history(r, page); };
        });
    }

    void on_history(const HistoryRequest& r, ApiResult<HistoryPage>& page) {
        const std::int64_t now = clock_.monotonic_ms();
        if (auto* err = std::get_if<ApiError>(&page)) {
            // Without the first page there is nothing sensible to show.
            if (err->unauthorized || !sync_.initial_done()) {
                reporter_.error(err->stage, err->cause);
                exit_ = err->exit_code;
                return;
            }
            const auto why =
                err->http_status == 404 ? HistoryFailure::unknown_cursor : HistoryFailure::other;
            reporter_.info("history", "gap fill: " + err->cause);
            apply(sync_.on_history_failed(r.id, why, err->cause, now));
            return;
        }
        auto& got = std::get<HistoryPage>(page);
        if (!got.notice.empty()) reporter_.warn("history", got.notice);
        apply(sync_.on_history(r.id, std::move(got.messages), now));
    }

    // --no-follow: the newest -n messages, page by page backwards, then exit.
    int print_history_only() {
        std::vector<Message> all;
        std::string before;
        while (static_cast<int>(all.size()) < plan_.history_lines) {
            const int want =
                std::min(kHistoryPage, plan_.history_lines - static_cast<int>(all.size()));
            auto page = access_.api().history(access_.session_secret(), plan_.room, want, before);
            if (auto* err = std::get_if<ApiError>(&page)) {
                reporter_.error(err->stage, err->cause);
                return err->exit_code;
            }
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
            print(m);
        if (auto code = flush()) return *code;
        return to_int(ExitCode::ok);
    }

    void print(const Message& m) {
        out_.append(plan_.json ? render_json_line(m)
                               : plan_.format.render(m, plan_.room, plan_.color));
    }

    // Machine formats keep stdout for messages; people see notices inline.
    void show_notice(const std::string& notice) {
        if (plan_.json || !plan_.format.is_default())
            reporter_.warn("tail", notice);
        else
            out_.append(render_notice_line(notice, clock_.wall_ms(), plan_.color));
    }

    std::optional<int> flush() {
        switch (out_.flush()) {
            case platform::Output::Status::ok:
                return std::nullopt;
            case platform::Output::Status::closed:
                return to_int(ExitCode::ok);  // `| head`: a normal end
            case platform::Output::Status::failed:
                reporter_.error("output", "cannot write to stdout: " + out_.error_text());
                return to_int(ExitCode::unexpected);
        }
        return std::nullopt;
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    SupervisorClock clock_;
    HttpWorker worker_;
    AccessTokenSource tokens_;
    ConnectionSupervisor supervisor_;
    RoomSync sync_;
    platform::Output out_;
    long live_shown_ = 0;
    std::int64_t last_activity_ms_ = 0;
    std::optional<int> exit_;
};

}  // namespace

int run_tail(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports) {
    return TailSession(plan, access, reporter, signals, ports).run();
}

}  // namespace mqchat::app
