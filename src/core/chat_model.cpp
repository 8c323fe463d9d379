// The chat state machine: keys and network events in, actions out.
#include "chat_model.hpp"

#include <algorithm>
#include <cctype>

#include "payload_codec.hpp"
#include "room_name.hpp"
#include "sanitize.hpp"
#include "slash_commands.hpp"

namespace mqchat {
namespace {

constexpr std::size_t kMaxRooms = 20;
constexpr std::size_t kMaxCompletions = 50;

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

bool is_word_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-' || c == '.' || u >= 0x80;
}

// `needle` in `text` as a whole word, ignoring ASCII case.
bool contains_word(std::string_view text, std::string_view needle) {
    if (needle.empty()) return false;
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
        if (!starts_with_nocase(text.substr(i), needle)) continue;
        const bool left = i == 0 || !is_word_byte(text[i - 1]);
        // Trailing dots end a sentence ("alice." "alice...") unless a word
        // goes on after them ("alice.example").
        std::size_t end = i + needle.size();
        while (end < text.size() && text[end] == '.')
            ++end;
        const bool right = end == text.size() || !is_word_byte(text[end]);
        if (left && right) return true;
    }
    return false;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        // What we send is as clean as what we show: a paste of coloured
        // terminal output must not carry its escapes to readers whose tools
        // print payloads raw (mosquitto_sub). Tabs become spaces.
        std::string_view raw = std::string_view(text).substr(start, end - start);
        if (raw.ends_with('\r')) raw.remove_suffix(1);  // CRLF
        std::string line = sanitize(raw, Newlines::keep);
        if (line.find_first_not_of(' ') != std::string::npos) lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

}  // namespace

ChatModel::ChatModel(ChatSettings settings, const std::string& first_room, UlidGenerator ids)
    : settings_(std::move(settings)), ids_(std::move(ids)) {
    rooms_.emplace_back(first_room, settings_.scrollback);
    if (!settings_.has_server) rooms_.back().history_loaded = rooms_.back().history_complete = true;
}

std::vector<std::string> ChatModel::room_names() const {
    std::vector<std::string> names;
    for (const auto& r : rooms_)
        names.push_back(r.name);
    return names;
}

RoomState* ChatModel::room(const std::string& name) {
    for (auto& r : rooms_)
        if (r.name == name) return &r;
    return nullptr;
}

bool ChatModel::mentions_me(const std::string& text) const {
    return contains_word(text, settings_.user_id) ||
           (!settings_.user_name.empty() && contains_word(text, settings_.user_name));
}

std::string ChatModel::prompt() const {
    if (paste_lines_.empty()) return {};
    const std::string n = std::to_string(paste_lines_.size());
    return "Send the pasted " + n + " lines as " + n + " messages? [y/N]";
}

// --- keys

std::vector<Action> ChatModel::on_key(const Key& key, std::int64_t now_ms) {
    if (!paste_lines_.empty()) return answer_prompt(key, now_ms);
    if (key.kind == Key::Kind::tab) {
        complete();
        return {};
    }
    completions_.clear();
    if (rooms_[active_].viewport.on_key(key)) return {};
    switch (key.kind) {
        case Key::Kind::enter:
            return submit(now_ms);
        case Key::Kind::paste:
            return on_paste(key.text);
        case Key::Kind::ctrl:
            if (key.letter == 'c') {
                quitting_ = true;
                return {Action{Action::Kind::quit, {}, {}, {}, {}}};
            }
            if (key.letter == 'l') return {Action{Action::Kind::redraw, {}, {}, {}, {}}};
            if (key.letter == 'n') switch_to((active_ + 1) % rooms_.size());
            if (key.letter == 'p') switch_to((active_ + rooms_.size() - 1) % rooms_.size());
            if (key.letter == 'n' || key.letter == 'p') return {};
            break;
        case Key::Kind::alt:
            if (key.letter >= '1' && key.letter <= '9') {
                const auto index = static_cast<std::size_t>(key.letter - '1');
                if (index < rooms_.size()) switch_to(index);
                return {};
            }
            break;
        default:
            break;
    }
    editor_.handle(key);
    return {};
}

std::vector<Action> ChatModel::submit(std::int64_t now_ms) {
    const std::string line = editor_.submit();
    if (line.find_first_not_of(' ') == std::string::npos) return {};
    if (is_command(line)) return run_command(line, now_ms);
    return send_text(unescape_message(line), MessageKind::text, now_ms);
}

std::vector<Action> ChatModel::run_command(const std::string& line, std::int64_t now_ms) {
    const CommandParse parsed = parse_command(line);
    if (!parsed.command) {
        notice_here(parsed.error, now_ms);
        return {};
    }
    const ParsedCommand& c = *parsed.command;
    switch (c.id) {
        case CommandId::join:
            return join(c.argument, now_ms);
        case CommandId::part:
            return part(now_ms);
        case CommandId::me:
            return send_text(c.argument, MessageKind::me, now_ms);
        case CommandId::quit:
            quitting_ = true;
            return {Action{Action::Kind::quit, {}, {}, {}, {}}};
        case CommandId::help:
            for (const auto& info : slash_commands())
                notice_here(std::string(info.usage) + "  " + std::string(info.help), now_ms);
            notice_here(
                "keys: PgUp/PgDn scroll, Alt-1..9 or Ctrl-N/Ctrl-P switch rooms, Tab completes, "
                "Up/Down recall, Ctrl-C quits, //text sends a line starting with /",
                now_ms);
            return {};
    }
    return {};
}

std::vector<Action> ChatModel::send_text(const std::string& text, MessageKind kind,
                                         std::int64_t now_ms) {
    RoomState& r = rooms_[active_];
    Message m;
    m.id = ids_.next(now_ms);
    m.user = settings_.user_id;
    m.name = settings_.user_name;
    m.text = text;
    m.timestamp = now_ms;
    m.kind = kind;
    Action publish{Action::Kind::publish, r.name, m.id, encode_payload(m), {}};
    const std::string id = m.id;
    LogEntry e{std::move(m), true, false, Delivery::pending};
    if (r.log.append(std::move(e))) pending_.emplace(id, r.name);
    r.viewport.follow_newest();  // to see what was sent
    r.divider_before.clear();    // answering means the rest has been read
    return {std::move(publish)};
}

std::vector<Action> ChatModel::join(const std::string& name, std::int64_t now_ms) {
    std::string room_name = name;
    if (room_name.starts_with('#')) room_name.erase(0, 1);
    if (!is_valid_room_name(room_name)) {
        notice_here(room_name_problem(room_name), now_ms);
        return {};
    }
    for (std::size_t i = 0; i < rooms_.size(); ++i) {
        if (rooms_[i].name == room_name) {
            switch_to(i);
            return {};
        }
    }
    if (rooms_.size() >= kMaxRooms) {
        notice_here("too many rooms: /part one first", now_ms);
        return {};
    }
    rooms_.emplace_back(room_name, settings_.scrollback);
    if (!settings_.has_server) rooms_.back().history_loaded = rooms_.back().history_complete = true;
    switch_to(rooms_.size() - 1);
    return {Action{Action::Kind::join, room_name, {}, {}, {}}};
}

std::vector<Action> ChatModel::part(std::int64_t now_ms) {
    if (rooms_.size() == 1) {
        notice_here("this is the last room: /quit leaves mqchat", now_ms);
        return {};
    }
    const std::string name = rooms_[active_].name;
    const Viewport parted = rooms_[active_].viewport;  // the pane it leaves to the next room
    rooms_.erase(rooms_.begin() + static_cast<std::ptrdiff_t>(active_));
    const std::size_t next = std::min(active_, rooms_.size() - 1);
    active_ = next;
    rooms_[next].viewport.take_pane(parted);
    rooms_[next].viewport.forget_older_wish();  // asked in the room that is gone
    switch_to(next);
    return {Action{Action::Kind::part, name, {}, {}, {}}};
}

std::vector<Action> ChatModel::on_paste(const std::string& text) {
    std::vector<std::string> lines = split_lines(text);
    if (lines.size() <= 1) {
        if (!lines.empty()) editor_.insert(lines.front());
        return {};
    }
    paste_lines_ = std::move(lines);
    return {};
}

std::vector<Action> ChatModel::answer_prompt(const Key& key, std::int64_t now_ms) {
    const bool yes = (key.kind == Key::Kind::text && (key.text == "y" || key.text == "Y"));
    const bool no = (key.kind == Key::Kind::text && (key.text == "n" || key.text == "N")) ||
                    key.kind == Key::Kind::escape || key.kind == Key::Kind::enter ||
                    (key.kind == Key::Kind::ctrl && (key.letter == 'c' || key.letter == 'g'));
    if (!yes && !no) return {};
    std::vector<std::string> lines = std::move(paste_lines_);
    paste_lines_.clear();
    if (no) {
        notice_here("paste of " + std::to_string(lines.size()) + " lines not sent", now_ms);
        return {};
    }
    std::vector<Action> actions;
    for (const auto& line : lines) {
        auto sent = send_text(line, MessageKind::text, now_ms);
        actions.insert(actions.end(), sent.begin(), sent.end());
    }
    return actions;
}

void ChatModel::switch_to(std::size_t index) {
    if (index >= rooms_.size()) return;
    if (index != active_) {
        Viewport& next = rooms_[index].viewport;
        if (active_ < rooms_.size()) {
            rooms_[active_].divider_before.clear();
            next.take_pane(rooms_[active_].viewport);
        }
        next.forget_older_wish();  // asked in the room left behind
    }
    active_ = index;
    RoomState& r = rooms_[active_];
    if (r.unread == 0) r.divider_before.clear();
    r.unread = 0;
    r.mentions = 0;
}

// --- completion

std::vector<std::string> ChatModel::nick_candidates(const std::string& prefix) const {
    std::vector<std::string> out;
    const auto& entries = rooms_[active_].log.entries();
    for (auto it = entries.rbegin(); it != entries.rend() && out.size() < kMaxCompletions; ++it) {
        const std::string& user = it->message.user;
        if (user.empty() || it->message.kind == MessageKind::notice || user == settings_.user_id)
            continue;
        if (!starts_with_nocase(user, prefix)) continue;
        if (std::find(out.begin(), out.end(), user) == out.end()) out.push_back(user);
    }
    return out;
}

void ChatModel::complete() {
    if (!completions_.empty()) {
        // Tab again: take back the previous candidate, offer the next one.
        editor_.restore(completion_text_, completion_cursor_);
        completion_index_ = (completion_index_ + 1) % completions_.size();
        editor_.replace_word_before_cursor(completions_[completion_index_]);
        return;
    }
    const std::string word = editor_.word_before_cursor();
    const bool line_start = editor_.cursor() == word.size();
    if (word.starts_with('/') && line_start) {
        completions_ = complete_command(word);
    } else {
        const bool at = word.starts_with('@');
        const std::string prefix = at ? word.substr(1) : word;
        for (const auto& nick : nick_candidates(prefix))
            completions_.push_back((at ? "@" : "") + nick + (line_start && !at ? ": " : " "));
    }
    if (completions_.empty()) return;
    completion_text_ = editor_.text();
    completion_cursor_ = editor_.cursor();
    completion_index_ = 0;
    editor_.replace_word_before_cursor(completions_.front());
}

// --- network

LogEntry ChatModel::entry_for(Message message) const {
    LogEntry e;
    e.mine = !message.user.empty() && message.user == settings_.user_id;
    e.mention = !e.mine && message.kind != MessageKind::notice && mentions_me(message.text);
    e.message = std::move(message);
    return e;
}

void ChatModel::on_message(const std::string& room_name, Message message) {
    RoomState* r = room(room_name);
    if (!r) return;
    const auto index = static_cast<std::size_t>(r - rooms_.data());
    LogEntry e = entry_for(std::move(message));
    const bool mention = e.mention;
    const std::string id = e.message.id;
    if (!r->log.append(std::move(e))) return;  // our own echo, or a redelivery
    if (index != active_) {
        if (r->unread == 0) r->divider_before = id;
        ++r->unread;
        if (mention) ++r->mentions;
    } else {
        r->viewport.on_new_below();
    }
}

void ChatModel::on_history(const std::string& room_name, Page kind, std::vector<Message> page,
                           int limit) {
    RoomState* r = room(room_name);
    if (!r) return;
    const bool short_page = static_cast<int>(page.size()) < limit;
    std::vector<LogEntry> entries;
    entries.reserve(page.size());
    for (auto& m : page)
        entries.push_back(entry_for(std::move(m)));
    if (kind == Page::newer) {
        for (auto& e : entries)
            r->log.append(std::move(e));
        return;
    }
    r->log.prepend(std::move(entries));
    if (kind == Page::initial) r->history_loaded = true;
    if (kind == Page::older) r->loading_older = false;
    if (short_page) r->history_complete = true;
}

void ChatModel::on_history_failed(const std::string& room_name, const std::string& why) {
    RoomState* r = room(room_name);
    if (!r) return;
    r->loading_older = false;
    r->history_loaded = true;
    notice(room_name, "history: " + why, 0);
}

// Pending messages are tracked apart from the logs: an ack must end the
// pending state even when its entry was trimmed from the scrollback or its
// room parted.
std::optional<std::string> ChatModel::settle(const std::string& message_id, Delivery outcome) {
    auto it = pending_.find(message_id);
    if (it == pending_.end()) return std::nullopt;  // unknown, or settled already
    std::string room_name = std::move(it->second);
    pending_.erase(it);
    if (RoomState* r = room(room_name))
        if (LogEntry* e = r->log.find(message_id)) e->delivery = outcome;
    return room_name;
}

void ChatModel::on_published(const std::string& message_id) {
    settle(message_id, Delivery::sent);
}

void ChatModel::on_publish_failed(const std::string& message_id, const std::string& why,
                                  std::int64_t now_ms) {
    const auto room_name = settle(message_id, Delivery::failed);
    if (!room_name) return;
    if (room(*room_name))
        notice(*room_name, "not sent: " + why, now_ms);
    else
        notice_here("not sent to #" + *room_name + ": " + why, now_ms);
}

void ChatModel::on_link(LinkState state, std::int64_t retry_at_ms, const std::string& detail) {
    link_ = state;
    retry_at_ms_ = retry_at_ms;
    if (!detail.empty()) notice_here(detail, 0);
}

void ChatModel::notice(const std::string& room_name, const std::string& text, std::int64_t now_ms) {
    RoomState* r = room(room_name);
    if (!r) return;
    Message m;
    // A space: no id from the network can have one, so none can hide a notice
    // as a duplicate.
    m.id = "local notice " + std::to_string(++notice_counter_);
    m.kind = MessageKind::notice;
    m.text = text;
    m.timestamp = now_ms;
    r->log.append(LogEntry{std::move(m), false, false, Delivery::none});
}

void ChatModel::notice_here(const std::string& text, std::int64_t now_ms) {
    notice(rooms_[active_].name, text, now_ms);
}

// A log trimmed to its capacity has no room for an older page.
bool ChatModel::can_fetch_older(const RoomState& r) const {
    return settings_.has_server && r.history_loaded && !r.history_complete && !r.loading_older &&
           !r.log.trimmed();
}

std::vector<Action> ChatModel::after_layout(const LayoutReport& report) {
    RoomState& r = rooms_[active_];
    if (!r.viewport.after_layout(report, can_fetch_older(r))) return {};
    const std::string before = r.log.oldest_id();
    if (before.empty()) return {};
    r.loading_older = true;
    return {Action{Action::Kind::fetch_older, r.name, {}, {}, before}};
}

}  // namespace mqchat
