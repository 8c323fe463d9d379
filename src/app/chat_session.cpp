// The interactive chat loop: performs the model's actions (publish through the
// outbox, join, part, fetch older history), feeds it what the connection
// supervisor and the room syncs report, and draws at most one frame per
// refresh interval however fast messages arrive.
#include "chat_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "app/chat_log.hpp"
#include "app/connection_supervisor.hpp"
#include "app/http_worker.hpp"
#include "app/outbox.hpp"
#include "app/send_session.hpp"
#include "app/token_source.hpp"
#include "core/chat_layout.hpp"
#include "core/chat_model.hpp"
#include "core/exit_code.hpp"
#include "core/payload_codec.hpp"
#include "core/publish_pause.hpp"
#include "core/room_sync.hpp"
#include "platform/environment.hpp"
#include "tui/terminal.hpp"

namespace mqchat::app {
namespace {

constexpr int kFrameMs = 33;        // at most ~30 frames a second
constexpr int kTickMs = 1000;       // status line clocks (countdowns, token)
constexpr int kFirstPage = 100;     // history shown on joining a room
constexpr int kOlderPage = 100;     // each step further back
constexpr int kHistoryPage = 500;   // the history route's largest page (gap fill)
constexpr int kQuitGraceMs = 3000;  // waiting for acks of pending messages on /quit
// Broker events handled between two looks at the keyboard: under a flood the
// queue can hold thousands, and a keystroke must not wait behind all of them.
constexpr std::size_t kEventBatch = 256;

std::string server_label(const Access& access, const Plan& plan) {
    const std::string who = access.user_id().empty() ? "anonymous" : access.user_id();
    std::string where;
    if (access.has_server()) {
        where = access.api().base_url();
        if (auto p = where.find("://"); p != std::string::npos) where.erase(0, p + 3);
    } else if (plan.broker) {
        where = plan.broker->to_string();
    }
    return who + "@" + where;
}

SupervisorSettings supervisor_settings(const Plan& plan) {
    SupervisorSettings s;
    s.cafile = plan.cafile;
    s.insecure = plan.insecure;
    return s;
}

class ChatSession {
  public:
    ChatSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals, const SessionPorts& ports)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          ports_(ports),
          clock_(ports.clock),
          worker_([&access] { access.cancel_requests(); }),
          tokens_(access, worker_),
          supervisor_(supervisor_settings(plan), ports.transport, tokens_, ports.clock),
          outbox_(Outbox::default_dir(), outbox_target(plan, access)),
          model_(settings(plan, access), plan.room, UlidGenerator(platform::random_bytes)),
          log_(plan.log_dir) {}

    int run() {
        if (ports_.require_terminal &&
            (!platform::is_terminal(STDIN_FILENO) || !platform::is_terminal(STDOUT_FILENO))) {
            reporter_.error("terminal",
                            "the chat needs a terminal; in scripts use --send or --tail");
            return to_int(ExitCode::usage);
        }
        if (auto problem = log_.problem(); !problem.empty()) {
            reporter_.error("log", problem);
            return to_int(ExitCode::config);
        }
        // Credentials before the screen: a refused session or a dead server is
        // a one-line error on a normal terminal, not a flash of the TUI.
        open_room(plan_.room);
        supervisor_.start(model_.room_names());
        begin_history(plan_.room);  // after the token request: that one decides whether we start
        if (auto code = wait_for_credentials()) return *code;
        try {
            display_ = ports_.display(plan_.color);
        } catch (const std::exception& e) {
            supervisor_.close();
            reporter_.error("terminal", e.what());
            return to_int(ExitCode::usage);
        }
        const int code = loop();
        display_.reset();  // the shell gets its terminal back first
        supervisor_.close();
        take_last_acknowledgements();
        if (!exit_message_.empty()) reporter_.error(exit_stage_, exit_message_);
        // For bench/ and the curious (-v): what the session cost.
        reporter_.info("tui", std::to_string(frames_) + " frames drawn for " +
                                  std::to_string(live_messages_) + " live messages");
        report_outbox_left();
        return code;
    }

  private:
    static ChatSettings settings(const Plan& plan, Access& access) {
        ChatSettings s;
        s.user_id = access.user_id();
        s.user_name = access.user_name();
        s.server_label = server_label(access, plan);
        s.has_server = access.has_server();
        s.scrollback = plan.scrollback;
        return s;
    }

    std::optional<int> wait_for_credentials() {
        while (!supervisor_.started()) {
            const auto ready = wait_readable({signals_.fd(), worker_.fd()}, 1000);
            if (ready[0] && signals_.take() != 0) return to_int(ExitCode::interrupted);
            if (ready[1]) worker_.apply_results();
        }
        for (const auto& e : supervisor_.take_events()) {
            if (e.kind == LinkEvent::Kind::fatal) {
                reporter_.error(e.stage, e.text);
                return e.exit_code;
            }
            early_events_.push_back(e);
        }
        return std::nullopt;
    }

    int loop() {
        dirty_ = true;
        for (const auto& e : early_events_)
            on_link(e);
        early_events_.clear();
        for (;;) {
            const std::int64_t now = clock_.monotonic_ms();
            std::optional<std::int64_t> next_frame;
            if (dirty_) next_frame = last_frame_ + kFrameMs;
            std::optional<std::int64_t> quit_at;
            if (quit_deadline_ > 0) quit_at = quit_deadline_;
            int timeout = timeout_until(
                {last_tick_ + kTickMs, next_frame, quit_at, supervisor_.next_deadline_ms(),
                 next_sync_deadline(), pause_.deadline(now)},
                now, kTickMs);
            if (supervisor_.has_backlog()) timeout = 0;  // only a look at the keys first
            const auto ready =
                wait_readable({signals_.fd(), display_->input_fd(), display_->resize_fd(),
                               supervisor_.event_fd(), worker_.fd()},
                              timeout);
            if (ready[0] && signals_.take() != 0) return to_int(ExitCode::interrupted);
            if (ready[2] && display_->take_resize()) dirty_ = true;
            if (ready[1]) on_keys();
            if (ready[3] || supervisor_.has_backlog()) supervisor_.on_transport_ready(kEventBatch);
            if (ready[4]) {
                worker_.apply_results();
                dirty_ = true;
            }
            supervisor_.tick();
            tick_syncs();
            handle_link_events();
            fill_window();
            if (auto code = exit_code_) return *code;
            if (model_.quitting() &&
                (model_.pending() == 0 || clock_.monotonic_ms() >= quit_deadline_))
                return to_int(ExitCode::ok);
            const std::int64_t after = clock_.monotonic_ms();
            if (after - last_tick_ >= kTickMs) {
                last_tick_ = after;
                dirty_ = true;  // countdowns and the token's lifetime move on
            }
            // A keystroke and a room's first history are shown at once;
            // everything else waits for the next frame slot.
            if (typed_ || first_history_ || (dirty_ && after - last_frame_ >= kFrameMs))
                draw(after);
        }
    }

    void draw(std::int64_t monotonic_now) {
        LayoutReport report;
        const Screen screen =
            layout_chat(model_, display_->width(), display_->height(), clock_.wall_ms(), report);
        display_->draw(screen);
        last_frame_ = monotonic_now;
        dirty_ = false;
        typed_ = false;
        first_history_ = false;
        ++frames_;
        perform(model_.after_layout(report));
    }

    // --- keys and actions

    void on_keys() {
        for (const Key& key : display_->read_keys()) {
            perform(model_.on_key(key, clock_.wall_ms()));
            dirty_ = true;
            typed_ = true;
        }
    }

    void perform(const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            switch (a.kind) {
                case Action::Kind::publish:
                    publish(OutgoingMessage{a.room, a.message_id, a.payload, 0});
                    break;
                case Action::Kind::join:
                    open_room(a.room);
                    supervisor_.join(a.room);
                    begin_history(a.room);
                    break;
                case Action::Kind::part:
                    supervisor_.part(a.room);
                    syncs_.erase(a.room);  // a later /join starts afresh
                    break;
                case Action::Kind::fetch_older:
                    fetch_older(a.room, a.before);
                    break;
                case Action::Kind::redraw:
                    display_->suspend();  // endwin + refresh: a full repaint
                    display_->resume();
                    break;
                case Action::Kind::quit:
                    quit_deadline_ = clock_.monotonic_ms() + kQuitGraceMs;
                    break;
            }
            dirty_ = true;
        }
    }

    // Durable before anything else: the frame that shows it pending comes after.
    void publish(OutgoingMessage m) {
        if (auto it = syncs_.find(m.room); it != syncs_.end()) it->second.mark_seen(m.id);
        log_.write(m.room, m.payload, m.id);
        std::vector<OutgoingMessage> batch;
        batch.push_back(std::move(m));
        if (auto problem = outbox_.add(std::move(batch), clock_.monotonic_ms());
            !problem.empty() && !warned_outbox_) {
            warned_outbox_ = true;
            model_.notice_here(
                "outbox: " + problem + "; messages are sent but lost if you quit before their ✓",
                clock_.wall_ms());
        }
        fill_window();
    }

    void fill_window() {
        if (pause_.paused(clock_.monotonic_ms())) return;
        outbox_.pump([this](const OutgoingMessage& m) { return supervisor_.publish_message(m); },
                     supervisor_.publish_window());
    }

    // A new room: its sync, and what an earlier run left for it in the outbox.
    void open_room(const std::string& room) {
        RoomSyncSettings s;
        s.initial_lines = kFirstPage;
        s.has_history = access_.has_server();
        s.page = kHistoryPage;
        syncs_.erase(room);
        syncs_.emplace(room, RoomSync(s));
        std::vector<std::string> problems;
        const auto adopted = outbox_.adopt([&room](const std::string& r) { return r == room; },
                                           clock_.monotonic_ms(), problems);
        for (const auto& p : problems)
            model_.notice(room, "outbox: " + p, clock_.wall_ms());
        if (adopted > 0)
            model_.notice(room,
                          "sending " + std::to_string(adopted) +
                              " message(s) an earlier session left unacknowledged (outbox)",
                          clock_.wall_ms());
    }

    // Ends the session after the terminal is restored, with this error.
    void stop(int exit_code, const std::string& stage, const std::string& text) {
        if (exit_code_) return;
        exit_stage_ = stage;
        exit_message_ = text;
        exit_code_ = exit_code;
    }

    void report_outbox_left() {
        if (outbox_.empty()) return;
        reporter_.warn("outbox", std::to_string(outbox_.size()) +
                                     " unacknowledged message(s) kept in " + outbox_.dir() +
                                     "; they are sent when you next open their room");
    }

    // On the way out: acks still queued must not leave their messages behind.
    void take_last_acknowledgements() {
        supervisor_.on_transport_ready();
        for (const auto& e : supervisor_.take_events())
            if (e.kind == LinkEvent::Kind::acknowledged) outbox_.acknowledged(e.ticket);
    }

    // --- the link

    void handle_link_events() {
        for (const auto& e : supervisor_.take_events())
            on_link(e);
    }

    void on_link(const LinkEvent& e) {
        dirty_ = true;
        const std::int64_t wall = clock_.wall_ms();
        switch (e.kind) {
            case LinkEvent::Kind::connected:
                model_.on_link(LinkState::connected);
                break;
            case LinkEvent::Kind::lost:
                outbox_.connection_lost();  // sent again, same ids, on the next connection
                model_.on_link(e.planned ? LinkState::connecting : LinkState::reconnecting, wall,
                               e.text);
                break;
            case LinkEvent::Kind::retrying:
                model_.on_link(LinkState::reconnecting, e.at_ms, e.text);
                break;
            case LinkEvent::Kind::subscribed:
                if (auto it = syncs_.find(e.room); it != syncs_.end())
                    apply(e.room, it->second.on_subscribed(clock_.monotonic_ms()));
                break;
            case LinkEvent::Kind::subscribe_refused:
                model_.notice(e.room, "the broker refused the subscription: " + e.text, wall);
                break;
            case LinkEvent::Kind::message:
                on_live(e.room, e.payload);
                break;
            case LinkEvent::Kind::acknowledged:
                if (auto done = outbox_.acknowledged(e.ticket)) {
                    model_.on_published(done->id);
                    pause_.acknowledged();
                    said_catching_up_ = false;
                }
                break;
            case LinkEvent::Kind::returned:
                outbox_.returned(e.ticket);
                break;
            case LinkEvent::Kind::refused:
                on_refused(e.ticket, e.text);
                break;
            case LinkEvent::Kind::token:
                model_.on_token(e.at_ms);
                break;
            case LinkEvent::Kind::notice:
                model_.notice_here(e.text, wall);
                break;
            case LinkEvent::Kind::fatal:
                stop(e.exit_code, e.stage, e.text);
                break;
        }
    }

    // The broker would not take a message of ours. Without a server to ask
    // it has failed; with one, it waits in the outbox (still pending on the
    // screen) while the server is asked why without blocking the screen.
    void on_refused(std::uint64_t ticket, const std::string& why) {
        if (!access_.has_server()) {
            if (auto refused = outbox_.refused(ticket))
                model_.on_publish_failed(refused->id, why, clock_.wall_ms());
            return;
        }
        const OutgoingMessage* m = outbox_.returned(ticket);
        if (!m) return;  // from before a reconnect: sent again meanwhile
        const bool ask = pause_.refused(clock_.monotonic_ms());
        if (ask || pause_.asking()) undecided_.push_back({m->id, m->room, why});
        if (ask) ask_why_refused();
    }

    void ask_why_refused() {
        const std::string session = access_.session_secret();
        worker_.post([this, session]() -> HttpWorker::Apply {
            auto status = access_.api().publish_status(session);
            return [this, status = std::move(status)]() {
                const auto* s = std::get_if<PublishStatus>(&status);
                on_why_refused(s ? std::optional<PublishStatus>(*s) : std::nullopt);
            };
        });
    }

    // Something that passes (the archive catching up): the messages stay and
    // go out again shortly. Anything else: they have failed, and why.
    void on_why_refused(const std::optional<PublishStatus>& status) {
        const bool retry = status && status->retry;
        pause_.answered(retry, clock_.monotonic_ms());
        std::vector<Refusal> refusals;
        refusals.swap(undecided_);
        if (retry) {
            if (!said_catching_up_)
                model_.notice_here(
                    "the server is catching up; your messages wait and go out "
                    "shortly",
                    clock_.wall_ms());
            said_catching_up_ = true;
            return;
        }
        const std::string hint = status ? refusal_hint(*status) : std::string();
        std::set<std::string> hinted;
        for (const auto& r : refusals) {
            if (!outbox_.withdraw(r.id)) continue;
            model_.on_publish_failed(r.id, r.why, clock_.wall_ms());
            if (!hint.empty() && hinted.insert(r.room).second)
                model_.notice(r.room, hint, clock_.wall_ms());
        }
    }

    void on_live(const std::string& room, const std::string& payload) {
        auto it = syncs_.find(room);
        if (it == syncs_.end() || !model_.room(room)) return;
        auto decoded = decode_payload(payload, clock_.wall_ms());
        ++live_messages_;
        for (auto& m : decoded.messages)
            apply(room, it->second.on_live(std::move(m), clock_.monotonic_ms()));
        if (!decoded.notice.empty()) model_.notice(room, decoded.notice, clock_.wall_ms());
    }

    // --- history

    void apply(const std::string& room, SyncStep step) {
        if (step.initial_ready) {
            first_history_ = true;
            for (const auto& m : step.initial)
                log_.write_message(room, m);
            // The model reads "fewer than asked for" as "nothing older".
            const int size = static_cast<int>(step.initial.size());
            model_.on_history(room, ChatModel::Page::initial, std::move(step.initial),
                              step.initial_complete ? size + 1 : size);
        }
        for (auto& m : step.messages) {
            log_.write_message(room, m);
            model_.on_message(room, std::move(m));
        }
        for (const auto& n : step.notices)
            model_.notice(room, n, clock_.wall_ms());
        for (auto& r : step.fetch)
            fetch_for_sync(room, std::move(r));
        dirty_ = true;
    }

    // The newest history while the subscription is still on its way.
    void begin_history(const std::string& room) {
        if (auto it = syncs_.find(room); it != syncs_.end())
            apply(room, it->second.begin(clock_.monotonic_ms()));
    }

    void fetch_for_sync(const std::string& room, HistoryRequest r) {
        const std::string session = access_.session_secret();
        worker_.post([this, room, r, session]() -> HttpWorker::Apply {
            auto page = access_.api().history(session, room, r.limit, r.before, r.after);
            return [this, room, r, page = std::move(page)]() mutable {
                auto it = syncs_.find(room);
                if (it == syncs_.end()) return;  // parted meanwhile
                const std::int64_t now = clock_.monotonic_ms();
                if (auto* err = std::get_if<ApiError>(&page)) {
                    if (err->unauthorized) return stop(err->exit_code, err->stage, err->cause);
                    const auto why = err->http_status == 404 ? HistoryFailure::unknown_cursor
                                                             : HistoryFailure::other;
                    if (!it->second.initial_done())
                        model_.notice(room, "history: " + err->cause + " (trying again)",
                                      clock_.wall_ms());
                    return apply(room, it->second.on_history_failed(r.id, why, err->cause, now));
                }
                auto& got = std::get<HistoryPage>(page);
                if (!got.notice.empty()) model_.notice(room, got.notice, clock_.wall_ms());
                apply(room, it->second.on_history(r.id, std::move(got.messages), now));
            };
        });
    }

    void fetch_older(const std::string& room, const std::string& before) {
        if (!access_.has_server()) return;
        const std::string session = access_.session_secret();
        worker_.post([this, room, before, session]() -> HttpWorker::Apply {
            auto page = access_.api().history(session, room, kOlderPage, before, {});
            return [this, room, page = std::move(page)]() mutable {
                if (auto* err = std::get_if<ApiError>(&page)) {
                    if (err->unauthorized) return stop(err->exit_code, err->stage, err->cause);
                    model_.on_history_failed(room, err->cause);
                    return;
                }
                auto& got = std::get<HistoryPage>(page);
                if (!got.notice.empty()) model_.notice(room, got.notice, clock_.wall_ms());
                for (const auto& m : got.messages)
                    log_.write_message(room, m);
                model_.on_history(room, ChatModel::Page::older, std::move(got.messages),
                                  kOlderPage);
            };
        });
    }

    std::optional<std::int64_t> next_sync_deadline() const {
        std::optional<std::int64_t> next;
        for (const auto& [room, sync] : syncs_)
            if (auto d = sync.next_deadline(); d && (!next || *d < *next)) next = d;
        return next;
    }

    void tick_syncs() {
        const std::int64_t now = clock_.monotonic_ms();
        for (auto& [room, sync] : syncs_) {
            const auto d = sync.next_deadline();
            if (d && now >= *d) apply(room, sync.on_tick(now));
        }
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    const SessionPorts& ports_;
    SupervisorClock clock_;
    HttpWorker worker_;
    AccessTokenSource tokens_;
    ConnectionSupervisor supervisor_;
    Outbox outbox_;
    ChatModel model_;
    ChatLog log_;
    std::map<std::string, RoomSync> syncs_;
    std::unique_ptr<tui::Display> display_;
    std::vector<LinkEvent> early_events_;  // before the screen opened
    std::int64_t last_frame_ = 0;
    std::int64_t last_tick_ = 0;
    std::int64_t quit_deadline_ = 0;
    long frames_ = 0;
    long live_messages_ = 0;
    bool dirty_ = true;
    bool typed_ = false;          // keys handled since the last frame
    bool first_history_ = false;  // a room's first page came since the last frame
    bool warned_outbox_ = false;
    // Refused messages waiting for the server's word on why.
    struct Refusal {
        std::string id;
        std::string room;
        std::string why;
    };
    std::vector<Refusal> undecided_;
    PublishPause pause_;
    bool said_catching_up_ = false;
    std::optional<int> exit_code_;
    std::string exit_stage_;
    std::string exit_message_;
};

}  // namespace

int run_chat(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports) {
    return ChatSession(plan, access, reporter, signals, ports).run();
}

}  // namespace mqchat::app
