// The interactive chat loop: performs the model's actions (publish, join,
// fetch), feeds it what the broker and the server answer, and draws at most
// one frame per refresh interval however fast messages arrive.
#include "chat_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "app/broker_link.hpp"
#include "app/http_worker.hpp"
#include "app/outbox.hpp"
#include "core/chat_layout.hpp"
#include "core/chat_model.hpp"
#include "core/exit_code.hpp"
#include "core/payload_codec.hpp"
#include "core/room_name.hpp"
#include "platform/environment.hpp"
#include "tui/terminal.hpp"

namespace mqchat::app {
namespace {

using transport::MqttEvent;

constexpr int kFrameMs = 33;                 // at most ~30 frames a second
constexpr int kTickMs = 1000;                // status line clocks (countdowns, token)
constexpr int kFirstPage = 100;              // history shown on joining a room
constexpr int kOlderPage = 100;              // each step further back
constexpr int kGapPage = 500;                // after a reconnect
constexpr std::int64_t kRetryCapMs = 30000;  // the transport's reconnect backoff cap
constexpr int kQuitGraceMs = 3000;           // waiting for acks of pending messages on /quit
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

struct Outgoing {
    std::string room;
    std::string message_id;
    std::string payload;
};

class ChatSession {
  public:
    ChatSession(const Plan& plan, Access& access, const Reporter& reporter,
                platform::SignalWatcher& signals)
        : plan_(plan),
          access_(access),
          reporter_(reporter),
          signals_(signals),
          link_(plan, access, reporter),
          model_(settings(plan, access), plan.room, UlidGenerator(platform::random_bytes)) {}

    int run() {
        if (!platform::is_terminal(STDIN_FILENO) || !platform::is_terminal(STDOUT_FILENO)) {
            reporter_.error("terminal",
                            "the chat needs a terminal; in scripts use --send or --tail");
            return to_int(ExitCode::usage);
        }
        // Credentials before the screen: a refused session or a dead server is
        // a one-line error on a normal terminal, not a flash of the TUI.
        auto first = access_.broker_for(model_.room_names());
        if (auto* err = std::get_if<ApiError>(&first)) {
            reporter_.error(err->stage, err->cause);
            return err->exit_code;
        }
        adopt(std::get<BrokerAccess>(first));
        try {
            terminal_ = std::make_unique<tui::Terminal>(plan_.color);
        } catch (const std::exception& e) {
            link_.close();
            reporter_.error("terminal", e.what());
            return to_int(ExitCode::usage);
        }
        const int code = loop();
        terminal_.reset();  // the shell gets its terminal back first
        link_.close();
        take_mqtt_events();
        settle_acknowledgements();
        if (!exit_message_.empty()) reporter_.error(exit_stage_, exit_message_);
        // For bench/ and the curious (-v): what the session cost.
        reporter_.info("tui", std::to_string(frames_) + " frames drawn for " +
                                  std::to_string(live_messages_) + " live messages");
        save_unacknowledged();
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

    int loop() {
        dirty_ = true;
        for (;;) {
            const std::int64_t now = platform::monotonic_ms();
            int timeout = kTickMs - static_cast<int>(now - last_tick_);
            if (dirty_) timeout = std::min(timeout, kFrameMs - static_cast<int>(now - last_frame_));
            if (quit_deadline_ > 0)
                timeout = std::min(timeout, static_cast<int>(quit_deadline_ - now));
            if (!backlog_.empty()) timeout = 0;  // only a look at the keys before the next batch
            timeout = std::clamp(timeout, 0, kTickMs);
            const auto ready = wait_readable({signals_.fd(), terminal_->input_fd(),
                                              terminal_->resize_fd(), link_.fd(), http_.fd()},
                                             timeout);
            if (ready[0] && signals_.take() != 0) return to_int(ExitCode::interrupted);
            if (ready[2] && terminal_->take_resize()) dirty_ = true;
            if (ready[1]) on_keys();
            if (ready[3]) take_mqtt_events();
            handle_mqtt_batch();
            if (ready[4]) {
                http_.apply_results();
                dirty_ = true;
            }
            if (auto code = exit_code_) return *code;
            if (model_.quitting() &&
                (model_.pending() == 0 || platform::monotonic_ms() >= quit_deadline_))
                return to_int(ExitCode::ok);
            refresh_token_if_due();
            const std::int64_t after = platform::monotonic_ms();
            if (after - last_tick_ >= kTickMs) {
                last_tick_ = after;
                dirty_ = true;  // countdowns and the token's lifetime move on
            }
            // A keystroke is echoed at once; everything else waits for the
            // next frame slot.
            if (typed_ || (dirty_ && after - last_frame_ >= kFrameMs)) draw(after);
        }
    }

    void draw(std::int64_t monotonic_now) {
        LayoutReport report;
        const Screen screen = layout_chat(model_, terminal_->width(), terminal_->height(),
                                          platform::now_ms(), report);
        terminal_->draw(screen);
        last_frame_ = monotonic_now;
        dirty_ = false;
        typed_ = false;
        ++frames_;
        perform(model_.after_layout(report));
    }

    // --- keys and actions

    void on_keys() {
        for (const Key& key : terminal_->read_keys()) {
            perform(model_.on_key(key, platform::now_ms()));
            dirty_ = true;
            typed_ = true;
        }
    }

    void perform(const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            switch (a.kind) {
                case Action::Kind::publish:
                    publish(Outgoing{a.room, a.message_id, a.payload});
                    break;
                case Action::Kind::join:
                    request_token("joining #" + a.room);
                    break;
                case Action::Kind::part:
                    // The token keeps covering the room until its next refresh,
                    // which leaves it out; a reconnect just for that is not worth it.
                    if (connected_) link_.mqtt().unsubscribe(room_topic(a.room));
                    history_requested_.erase(a.room);  // a later /join starts afresh
                    break;
                case Action::Kind::fetch_older:
                    fetch_history(a.room, ChatModel::Page::older, kOlderPage, a.before, {});
                    break;
                case Action::Kind::redraw:
                    terminal_->suspend();  // endwin + refresh: a full repaint
                    terminal_->resume();
                    break;
                case Action::Kind::quit:
                    quit_deadline_ = platform::monotonic_ms() + kQuitGraceMs;
                    break;
            }
            dirty_ = true;
        }
    }

    void publish(Outgoing out) {
        const auto ticket =
            connected_ ? link_.mqtt().publish(room_topic(out.room), out.payload, 1) : std::nullopt;
        if (!ticket) {
            unsent_.push_back(std::move(out));  // sent when the connection is back
            return;
        }
        in_flight_.emplace(*ticket, std::move(out));
    }

    // Unacknowledged messages go again on the next connection; their ids make
    // the repeat harmless for every reader.
    void requeue_in_flight() {
        for (auto& [ticket, out] : in_flight_)
            unsent_.push_back(std::move(out));
        in_flight_.clear();
    }

    // Ends the session after the terminal is restored, with this error.
    void stop(const ApiError& err) {
        exit_stage_ = err.stage;
        exit_message_ = err.cause;
        exit_code_ = err.exit_code;
    }

    void flush_unsent() {
        std::vector<Outgoing> waiting = std::move(unsent_);
        unsent_.clear();
        for (auto& out : waiting)
            publish(std::move(out));
    }

    // --- the outbox

    // Messages a previous session could not deliver, for the rooms open now;
    // each is sent once per session and its file removed when acknowledged.
    void resend_outbox() {
        std::vector<std::string> problems;
        int sent = 0;
        for (auto& entry : outbox_.load(problems)) {
            if (from_outbox_.count(entry.message_id) || !model_.room(entry.room)) continue;
            from_outbox_.insert(entry.message_id);
            publish(Outgoing{entry.room, entry.message_id, std::move(entry.payload)});
            ++sent;
        }
        for (const auto& p : problems)
            model_.notice_here("outbox: " + p, platform::now_ms());
        if (sent > 0)
            model_.notice_here("sending " + std::to_string(sent) +
                                   " message(s) saved by an earlier session (outbox)",
                               platform::now_ms());
    }

    void save_unacknowledged() {
        std::vector<Outgoing> left = std::move(unsent_);
        for (auto& [ticket, out] : in_flight_)
            left.push_back(std::move(out));
        int saved = 0;
        for (const auto& out : left) {
            if (from_outbox_.count(out.message_id)) continue;  // still on disk
            if (auto problem = outbox_.save({out.room, out.message_id, out.payload});
                !problem.empty()) {
                reporter_.error("outbox", problem);
                continue;
            }
            ++saved;
        }
        if (saved > 0)
            reporter_.warn("outbox", std::to_string(saved) +
                                         " unacknowledged message(s) saved in " + outbox_.dir() +
                                         "; they are sent when you next open their room");
    }

    void on_acknowledged(const Outgoing& out) {
        model_.on_published(out.message_id);
        if (from_outbox_.count(out.message_id)) outbox_.remove(out.message_id);
    }

    // --- tokens

    void adopt(const BrokerAccess& access) {
        // What the old connection said is handled first, in order: a stale
        // "connected" or SUBACK must not be taken for the new connection's.
        take_mqtt_events();
        while (!backlog_.empty())
            handle_mqtt_batch();
        refresh_at_ms_ = access.refresh_at_ms;
        model_.on_token(access.expires_at_ms);
        if (connected_) requeue_in_flight();
        connected_ = false;
        link_.adopt(access);
    }

    void request_token(const std::string& why) {
        if (token_requested_) {
            token_again_ = true;  // rooms changed while a request was out
            return;
        }
        token_requested_ = true;
        const std::vector<std::string> rooms = model_.room_names();
        http_.post([this, rooms, why]() -> HttpWorker::Apply {
            auto answer = access_.broker_for(rooms);
            return [this, answer = std::move(answer), why]() mutable { on_token(answer, why); };
        });
    }

    void on_token(std::variant<BrokerAccess, ApiError>& answer, const std::string& why) {
        token_requested_ = false;
        if (auto* err = std::get_if<ApiError>(&answer)) {
            if (err->unauthorized) return stop(*err);
            model_.notice_here("token (" + why + "): " + err->cause + "; trying again in 30 s",
                               platform::now_ms());
            refresh_at_ms_ = platform::now_ms() + 30000;
            return;
        }
        adopt(std::get<BrokerAccess>(answer));
        if (token_again_) {
            token_again_ = false;
            request_token(why);
        }
    }

    void refresh_token_if_due() {
        if (!access_.has_server() || refresh_at_ms_ == 0 || token_requested_) return;
        if (platform::now_ms() < refresh_at_ms_) return;
        request_token("refresh");
    }

    // --- history

    void fetch_history(const std::string& room, ChatModel::Page kind, int limit,
                       const std::string& before, const std::string& after) {
        if (!access_.has_server()) return;
        const std::string session = access_.session_secret();
        http_.post([this, room, kind, limit, before, after, session]() -> HttpWorker::Apply {
            auto page = access_.api().history(session, room, limit, before, after);
            return [this, room, kind, limit, page = std::move(page)]() mutable {
                if (auto* err = std::get_if<ApiError>(&page)) {
                    if (err->unauthorized) return stop(*err);
                    model_.on_history_failed(room, err->cause);
                    return;
                }
                auto& got = std::get<HistoryPage>(page);
                if (!got.notice.empty()) model_.notice(room, got.notice, platform::now_ms());
                model_.on_history(room, kind, std::move(got.messages), limit);
            };
        });
    }

    // After each (re)connect and subscription: the first page for new rooms,
    // what was missed for the others.
    void load_history_after_subscribe(const std::string& room) {
        RoomState* r = model_.room(room);
        if (!r || !access_.has_server()) return;
        if (!history_requested_.count(room)) {
            history_requested_[room] = true;
            fetch_history(room, ChatModel::Page::initial, kFirstPage, {}, {});
            return;
        }
        const std::string newest = r->log.newest_id();
        if (!newest.empty() && lost_since_subscribe_)
            fetch_history(room, ChatModel::Page::newer, kGapPage, {}, newest);
    }

    // --- MQTT

    void take_mqtt_events() {
        for (auto& e : link_.take_events())
            backlog_.push_back(std::move(e));
    }

    // On the way out: acks still queued must not send their messages to the
    // outbox; the rest of the backlog is not worth the wait.
    void settle_acknowledgements() {
        for (const MqttEvent& e : backlog_)
            if (e.type == MqttEvent::Type::published || e.type == MqttEvent::Type::publish_failed)
                on_mqtt(e);
        backlog_.clear();
    }

    void handle_mqtt_batch() {
        for (std::size_t n = 0; n < kEventBatch && !backlog_.empty(); ++n) {
            on_mqtt(backlog_.front());
            backlog_.pop_front();
            dirty_ = true;
        }
    }

    void on_mqtt(const MqttEvent& e) {
        switch (e.type) {
            case MqttEvent::Type::connected:
                connected_ = true;
                ever_connected_ = true;
                renewed_ = false;
                retry_interval_ms_ = 0;
                model_.on_link(LinkState::connected);
                for (const auto& room : model_.room_names()) {
                    link_.mqtt().subscribe(room_topic(room), 1);
                    subscribing_.push_back(room);
                }
                flush_unsent();
                resend_outbox();
                break;
            case MqttEvent::Type::connect_failed:
                on_connect_failed(e);
                break;
            case MqttEvent::Type::connection_lost:
                connected_ = false;
                lost_since_subscribe_ = true;
                subscribing_.clear();  // their SUBACKs died with the connection
                if (!e.planned) {
                    retry_interval_ms_ = 1000;
                    model_.on_link(LinkState::reconnecting,
                                   platform::now_ms() + retry_interval_ms_);
                } else {
                    model_.on_link(LinkState::connecting);
                }
                requeue_in_flight();
                break;
            case MqttEvent::Type::subscribed:
                if (!subscribing_.empty()) {
                    load_history_after_subscribe(subscribing_.front());
                    subscribing_.erase(subscribing_.begin());
                    if (subscribing_.empty()) lost_since_subscribe_ = false;
                }
                break;
            case MqttEvent::Type::subscribe_failed:
                if (!subscribing_.empty()) {
                    model_.notice(subscribing_.front(),
                                  "the broker refused the subscription: " +
                                      transport::reason_text(e.reason_code),
                                  platform::now_ms());
                    subscribing_.erase(subscribing_.begin());
                }
                break;
            case MqttEvent::Type::message:
                on_live(e);
                break;
            case MqttEvent::Type::published:
                if (auto it = in_flight_.find(e.ticket); it != in_flight_.end()) {
                    on_acknowledged(it->second);
                    in_flight_.erase(it);
                }
                break;
            case MqttEvent::Type::publish_failed:
                if (auto it = in_flight_.find(e.ticket); it != in_flight_.end()) {
                    if (e.reason_code >= 0x80) {
                        model_.on_publish_failed(it->second.message_id,
                                                 transport::reason_text(e.reason_code),
                                                 platform::now_ms());
                        outbox_.remove(it->second.message_id);  // refused: never deliverable
                    } else {
                        unsent_.push_back(std::move(it->second));  // lost: try again
                    }
                    in_flight_.erase(it);
                }
                break;
        }
    }

    void on_connect_failed(const MqttEvent& e) {
        const bool refused = e.reason_code == 0x86 || e.reason_code == 0x87;
        if (refused && access_.has_server() && !renewed_) {
            renewed_ = true;  // the token was refused: one new token
            request_token("the broker refused the token");
            return;
        }
        if (!ever_connected_)
            return stop({to_int(ExitCode::broker_failed), "broker", link_.connect_failure(e)});
        retry_interval_ms_ = std::min<std::int64_t>(
            std::max<std::int64_t>(retry_interval_ms_, 1000) * 2, kRetryCapMs);
        model_.on_link(LinkState::reconnecting, platform::now_ms() + retry_interval_ms_);
    }

    void on_live(const MqttEvent& e) {
        const auto room = room_of_topic(e.topic);
        if (!room || !model_.room(*room)) return;
        auto decoded = decode_payload(e.payload, platform::now_ms());
        ++live_messages_;
        for (auto& m : decoded.messages)
            model_.on_message(*room, std::move(m));
        if (!decoded.notice.empty()) model_.notice(*room, decoded.notice, platform::now_ms());
    }

    const Plan& plan_;
    Access& access_;
    const Reporter& reporter_;
    platform::SignalWatcher& signals_;
    BrokerLink link_;
    ChatModel model_;
    HttpWorker http_;
    std::unique_ptr<tui::Terminal> terminal_;
    Outbox outbox_ = Outbox::at_default_path();
    std::set<std::string> from_outbox_;  // resent this session, still on disk
    std::map<std::uint64_t, Outgoing> in_flight_;
    std::vector<Outgoing> unsent_;
    std::deque<MqttEvent> backlog_;  // taken from the link, not handled yet
    std::vector<std::string> subscribing_;
    std::map<std::string, bool> history_requested_;
    std::int64_t refresh_at_ms_ = 0;
    std::int64_t retry_interval_ms_ = 0;
    std::int64_t last_frame_ = 0;
    std::int64_t last_tick_ = 0;
    std::int64_t quit_deadline_ = 0;
    long frames_ = 0;
    long live_messages_ = 0;
    bool dirty_ = true;
    bool typed_ = false;  // keys handled since the last frame
    bool connected_ = false;
    bool ever_connected_ = false;
    bool renewed_ = false;
    bool token_requested_ = false;
    bool token_again_ = false;
    bool lost_since_subscribe_ = false;
    std::optional<int> exit_code_;
    std::string exit_stage_;
    std::string exit_message_;
};

}  // namespace

int run_chat(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals) {
    return ChatSession(plan, access, reporter, signals).run();
}

}  // namespace mqchat::app
