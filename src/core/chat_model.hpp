// The state of the interactive chat and how it changes: keys, messages,
// acknowledgements, history pages and connection news go in; what the app must
// do (publish, join, fetch, quit) comes out as actions. No I/O: the app loop
// performs the actions and feeds the results back as events.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "key.hpp"
#include "line_editor.hpp"
#include "message_id.hpp"
#include "room_log.hpp"
#include "viewport.hpp"  // also LayoutReport, which the app reaches through this header

namespace mqchat {

enum class LinkState { connecting, connected, reconnecting, offline };

struct RoomState {
    explicit RoomState(std::string n, std::size_t capacity) : name(std::move(n)), log(capacity) {}
    std::string name;
    RoomLog log;
    int unread = 0;
    int mentions = 0;
    std::string divider_before;  // id of the first unread message shown on return
    Viewport viewport;           // where the pane looks while this room is shown
    bool loading_older = false;
    bool history_complete = false;  // the server has nothing older
    bool history_loaded = false;    // the first page arrived (or there is no server)
};

struct Action {
    enum class Kind {
        publish,      // room, message_id, payload
        join,         // room: subscribe, refresh the token for every joined room, load history
        part,         // room: unsubscribe
        fetch_older,  // room, before: a history page older than `before`
        redraw,       // clear and repaint the terminal
        quit,
    };
    Kind kind;
    std::string room;
    std::string message_id;
    std::string payload;
    std::string before;
};

struct ChatSettings {
    std::string user_id;       // our account id (the payload's user)
    std::string user_name;     // our display name
    std::string server_label;  // "alice@127.0.0.1:8080", shown in the header
    std::size_t scrollback = 5000;
    bool has_server = true;  // history can be fetched
};

class ChatModel {
  public:
    ChatModel(ChatSettings settings, const std::string& first_room, UlidGenerator ids);

    // --- input
    std::vector<Action> on_key(const Key& key, std::int64_t now_ms);

    // --- from the network (already decoded; text unsanitized)
    void on_message(const std::string& room, Message message);
    enum class Page {
        initial,  // the newest messages, on joining
        older,    // before the oldest shown (scrolled past the top)
        newer,    // after the newest shown (a gap after a reconnect)
    };
    // `limit`: what was asked for; a shorter page means there is no more.
    void on_history(const std::string& room, Page kind, std::vector<Message> page, int limit);
    void on_history_failed(const std::string& room, const std::string& why);
    void on_published(const std::string& message_id);
    void on_publish_failed(const std::string& message_id, const std::string& why,
                           std::int64_t now_ms);
    void on_link(LinkState state, std::int64_t retry_at_ms = 0, const std::string& detail = {});
    void on_token(std::int64_t expires_at_ms) { token_expires_at_ms_ = expires_at_ms; }
    // A local line in a room (errors, /help): never sent anywhere.
    void notice(const std::string& room, const std::string& text, std::int64_t now_ms);
    void notice_here(const std::string& text, std::int64_t now_ms);

    // --- after each frame
    std::vector<Action> after_layout(const LayoutReport& report);

    // --- for the layout
    const std::vector<RoomState>& rooms() const { return rooms_; }
    std::size_t active() const { return active_; }
    const RoomState& current() const { return rooms_[active_]; }
    LineEditor& editor() { return editor_; }
    const ChatSettings& settings() const { return settings_; }
    LinkState link() const { return link_; }
    std::int64_t retry_at_ms() const { return retry_at_ms_; }
    std::int64_t token_expires_at_ms() const { return token_expires_at_ms_; }
    int pending() const { return static_cast<int>(pending_.size()); }
    // Non-empty while a multi-line paste waits for y/n.
    std::string prompt() const;
    bool quitting() const { return quitting_; }
    std::vector<std::string> room_names() const;
    RoomState* room(const std::string& name);
    // Mentions us by account id or display name, as a word (case-insensitive).
    bool mentions_me(const std::string& text) const;

  private:
    std::vector<Action> submit(std::int64_t now_ms);
    std::vector<Action> run_command(const std::string& line, std::int64_t now_ms);
    std::vector<Action> send_text(const std::string& text, MessageKind kind, std::int64_t now_ms);
    std::vector<Action> join(const std::string& name, std::int64_t now_ms);
    std::vector<Action> part(std::int64_t now_ms);
    std::vector<Action> answer_prompt(const Key& key, std::int64_t now_ms);
    std::vector<Action> on_paste(const std::string& text);
    void switch_to(std::size_t index);
    bool can_fetch_older(const RoomState& room) const;
    void complete();
    std::vector<std::string> nick_candidates(const std::string& prefix) const;
    LogEntry entry_for(Message message) const;
    // Ends a pending message; its room, or nothing when it was not pending.
    std::optional<std::string> settle(const std::string& message_id, Delivery outcome);

    ChatSettings settings_;
    std::vector<RoomState> rooms_;
    std::size_t active_ = 0;
    LineEditor editor_;
    UlidGenerator ids_;
    LinkState link_ = LinkState::connecting;
    std::int64_t retry_at_ms_ = 0;
    std::int64_t token_expires_at_ms_ = 0;
    std::map<std::string, std::string> pending_;  // message id -> room, until acked or refused
    std::vector<std::string> paste_lines_;
    bool quitting_ = false;
    std::uint64_t notice_counter_ = 0;
    // Tab completion in progress: the candidates and the one shown.
    std::vector<std::string> completions_;
    std::size_t completion_index_ = 0;
    std::string completion_text_;  // the line before the first candidate went in
    std::size_t completion_cursor_ = 0;
};

}  // namespace mqchat
