// Fuzzes the chat core as one session: hostile events, odd keys and sizes in, safe frames out.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_layout.hpp"
#include "core/chat_model.hpp"
#include "core/payload_codec.hpp"
#include "core/room_name.hpp"
#include "core/unicode_width.hpp"
#include "fuzz/fuzz_check.hpp"
#include "unit/terminal_safety.hpp"

using namespace mqchat;
using test_support::terminal_safety_problem;

namespace {

constexpr std::int64_t kStart = 1732441260000;  // 2024-11-24T09:41:00Z
constexpr char kUserId[] = "alice";
constexpr char kUserName[] = "Alice";
// Small enough that trimming (and the anchors and cursors it invalidates)
// happens within a few history pages.
constexpr std::size_t kScrollback = 50;
constexpr std::size_t kMaxRooms = 20;  // ChatModel's own cap
// Bounds per input so a 70 KB input stays well under the -timeout: each
// layout is up to 300x120 cells checked one by one, drawn twice.
constexpr int kMaxOps = 600;
constexpr int kMaxLayouts = 40;
constexpr std::size_t kMaxText = 6000;
constexpr std::size_t kMaxIds = 64;

// Pieces libFuzzer would take long to find byte by byte: escape sequences,
// bidi and invisible characters, wide and combining text, emoji sequences, our
// own names (mentions) and the commands.
constexpr std::array<std::string_view, 40> kTokens = {
    "\x1b[31m",
    "\x1b]0;owned\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1bP1$q\x1b\\",
    "\x9b"
    "2J",
    "\xc2\x9b"
    "1;1H",
    std::string_view("\x07\x08\x7f\x00", 4),  // NUL included
    "\xe2\x80\xae",                           // RLO
    "\xe2\x81\xa6",                           // LRI
    "\xe2\x80\x8b",                           // ZWSP
    "\xef\xbb\xbf",                           // BOM
    "\xe2\x80\xa8",                           // LINE SEPARATOR
    "\xe7\x95\x8c",                           // 界
    "\xef\xbd\x97",                           // ｗ (fullwidth)
    "\xed\x95\x9c\xea\xb5\xad",               // 한국
    "e\xcc\x81",                              // e + combining acute
    "\xcc\x81\xcc\x82\xcc\x83\xcc\x84",
    "\xf0\x9f\x98\x80",                              // 😀
    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",              // 👍🏽
    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",  // 👨‍👩
    "\xe2\x9d\xa4\xef\xb8\x8f",                      // ❤️
    "\xf3\xa0\x80\x81",                              // a tag character
    "\xe2\x80\xa6",                                  // …
    "\xff\xfe",
    "\xc3",
    "\xed\xa0\x80",  // an encoded surrogate
    "\n",
    "\r\n",
    "\t",
    " ",
    "alice",
    "Alice.",
    "@alice",
    "/join ",
    "/me ",
    "//",
    "word ",
    "line\n",
    "0123456789abcdef",
    "\xe3\x81\x82\xe3\x81\x84 ",  // あい
};

// The fuzz input read front to back, so seeds can be written by hand: past
// the end every read gives zero bytes.
class Input {
  public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint16_t u16() {
        const auto lo = byte();
        return static_cast<std::uint16_t>(lo | (byte() << 8));
    }
    std::int16_t i16() { return static_cast<std::int16_t>(u16()); }
    std::string raw(std::size_t n) {
        n = std::min(n, size_ - std::min(pos_, size_));
        std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return out;
    }
    // 0-8 pieces: raw bytes (header < 0x80 = their count), a token, or a
    // token repeated many times (long texts that wrap over many rows).
    std::string text() {
        std::string out;
        const int pieces = byte() % 9;
        for (int i = 0; i < pieces && out.size() < kMaxText; ++i) {
            const std::uint8_t h = byte();
            if (h < 0x80) {
                out += raw(h);
            } else if (h < 0x80 + kTokens.size()) {
                out += kTokens[h - 0x80];
            } else {
                const std::string_view token = kTokens[byte() % kTokens.size()];
                const int times = 1 + byte() * 2;
                for (int k = 0; k < times && out.size() < kMaxText; ++k)
                    out += token;
            }
        }
        return out;
    }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

enum Op : std::uint8_t {
    kMessage,
    kHistory,
    kPublished,
    kPublishFailed,
    kLink,
    kNotice,
    kToken,
    kHistoryFailed,
    kKey,
    kLine,
    kCommand,
    kPaste,
    kLayout,
    kTime,
    kOpCount,
};

class Session {
  public:
    explicit Session(Input& in)
        : in_(in), model_(settings(), "general", UlidGenerator::seeded(7)) {}

    void run() {
        for (int ops = 0; ops < kMaxOps && !in_.done(); ++ops) {
            step(static_cast<Op>(in_.byte() % kOpCount));
            check_model();
        }
        // Every input ends with one ordinary frame, so each one checks a screen.
        frame(80, 24);
    }

  private:
    static ChatSettings settings() {
        ChatSettings s;
        s.user_id = kUserId;
        s.user_name = kUserName;
        s.server_label = "alice@127.0.0.1:8080";
        s.scrollback = kScrollback;
        return s;
    }

    void step(Op op) {
        switch (op) {
            case kMessage: {
                const std::string room = pick_room();
                model_.on_message(room, message());
                break;
            }
            case kHistory: {
                const std::string room = pick_room();
                const auto kind = static_cast<ChatModel::Page>(in_.byte() % 3);
                const int count = in_.byte() % 40;
                const int limit = static_cast<std::int8_t>(in_.byte());
                std::vector<Message> page;
                for (int i = 0; i < count && !in_.done(); ++i)
                    page.push_back(message());
                model_.on_history(room, kind, std::move(page), limit);
                break;
            }
            case kPublished:
                model_.on_published(pick_id());
                break;
            case kPublishFailed: {
                const std::string id = pick_id();
                model_.on_publish_failed(id, in_.text(), now_);
                break;
            }
            case kLink: {
                const auto state = static_cast<LinkState>(in_.byte() % 4);
                const std::int64_t retry = now_ + std::int64_t{in_.i16()} * 100;
                model_.on_link(state, retry, in_.byte() % 2 ? in_.text() : std::string());
                break;
            }
            case kNotice: {
                const std::string room = pick_room();
                const std::string text = in_.text();
                // A notice always shows: no id from the network can hide it.
                const bool here = in_.byte() % 2 == 0;
                const RoomState* target = here ? &model_.current() : model_.room(room);
                const std::size_t before = target ? target->log.size() : 0;
                const bool full = target && target->log.size() >= kScrollback;
                if (here)
                    model_.notice_here(text, now_);
                else
                    model_.notice(room, text, now_);
                FUZZ_CHECK(!target || full || target->log.size() == before + 1,
                           "a notice was dropped");
                break;
            }
            case kToken: {
                const auto b = in_.i16();
                model_.on_token(b == 0 ? 0 : now_ + std::int64_t{b} * 1000);
                break;
            }
            case kHistoryFailed: {
                const std::string room = pick_room();
                model_.on_history_failed(room, in_.text());
                break;
            }
            case kKey:
                press(key());
                break;
            case kLine:
                press(Key::typed(in_.text()));
                press(Key::of(Key::Kind::enter));
                break;
            case kCommand:
                command();
                break;
            case kPaste: {
                press(Key::pasted(in_.text()));
                // The answer to "send N lines?", or nothing: the prompt stays
                // up while other events and frames go on.
                switch (in_.byte() % 5) {
                    case 0:
                        press(Key::typed("y"));
                        break;
                    case 1:
                        press(Key::typed("n"));
                        break;
                    case 2:
                        press(Key::of(Key::Kind::escape));
                        break;
                    default:
                        break;
                }
                break;
            }
            case kLayout: {
                const int width = in_.u16() % 301;
                const int height = in_.byte() % 121;
                if (layouts_ < kMaxLayouts) frame(width, height);
                break;
            }
            case kTime:
                // Wall-clock time: it mostly goes on, and sometimes back.
                now_ += std::int64_t{in_.i16()} * 250;
                break;
            case kOpCount:
                break;
        }
    }

    void command() {
        std::string line;
        switch (in_.byte() % 9) {
            case 0:
                line = "/join " + in_.text();
                break;
            case 1:  // a valid name: the room really joins (until the cap)
                line = "/join #r" + std::to_string(in_.byte() % 24);
                break;
            case 2:
                line = "/part";
                break;
            case 3:
                line = "/me " + in_.text();
                break;
            case 4:
                line = "/help";
                break;
            case 5:
                line = "/quit";  // the app would leave; here the session goes on
                break;
            case 6:
                line = "//" + in_.text();
                break;
            case 7:
                line = "/" + in_.text();
                break;
            default:
                line = "/join";
                break;
        }
        model_.editor().set_text(line);
        press(Key::of(Key::Kind::enter));
    }

    Key key() {
        const auto kind = static_cast<Key::Kind>(in_.byte() % 20);
        switch (kind) {
            case Key::Kind::text:
                return Key::typed(in_.text());
            case Key::Kind::paste:
                return Key::pasted(in_.text());
            case Key::Kind::ctrl:  // Ctrl-C too: a quit action, and we go on
                return Key::control(static_cast<char>('a' + in_.byte() % 26));
            case Key::Kind::alt:
                return Key::meta(static_cast<char>(0x21 + in_.byte() % 94));
            default:
                return Key::of(kind);
        }
    }

    void press(const Key& k) {
        for (const Action& a : model_.on_key(k, now_))
            check_action(a);
    }

    // A room the event names: one of ours (maybe the active one) or one we
    // are not in (a late message after /part).
    std::string pick_room() {
        const auto& rooms = model_.rooms();
        const std::size_t b = in_.byte() % (rooms.size() + 2);
        if (b < rooms.size()) return rooms[b].name;
        if (b == rooms.size()) return model_.current().name;
        return in_.byte() % 2 ? std::string("gone") : in_.text();
    }

    // Ids repeat (redeliveries, our own echoes), collide with the model's
    // local notice ids, are empty or are arbitrary bytes.
    std::string pick_id() {
        const std::uint8_t b = in_.byte();
        switch (b % 8) {
            case 0:
            case 1:
            case 2:
                if (!ids_.empty()) return ids_[in_.byte() % ids_.size()];
                [[fallthrough]];
            case 3:
                return "m" + std::to_string(next_id_++);
            case 4:
                return "local-" + std::to_string(in_.byte() % 16);
            case 5:
                return {};
            case 6:
                return "m" + std::to_string(in_.byte() % 8);
            default:
                return in_.text();
        }
    }

    void remember(const std::string& id) {
        if (ids_.size() < kMaxIds)
            ids_.push_back(id);
        else
            ids_[id.size() % kMaxIds] = id;
    }

    std::int64_t timestamp() {
        switch (in_.byte() % 8) {
            case 0:
                return 0;
            case 1:
                return -1;
            case 2:
                return std::numeric_limits<std::int64_t>::min();
            case 3:
                return std::numeric_limits<std::int64_t>::max();
            case 4: {
                std::uint64_t v = 0;
                for (int i = 0; i < 8; ++i)
                    v = (v << 8) | in_.byte();
                return static_cast<std::int64_t>(v);
            }
            default:
                return now_ + std::int64_t{in_.i16()} * 1000;
        }
    }

    Message message() {
        Message m;
        m.id = pick_id();
        remember(m.id);
        switch (in_.byte() % 6) {
            case 0:
                m.user = kUserId;  // our own echo, or someone posing as us
                break;
            case 1:
                m.user = "bob";
                break;
            case 2:
                break;  // unknown sender
            case 3:
                m.user = "carol";
                break;
            default:
                m.user = in_.text();
                break;
        }
        switch (in_.byte() % 4) {
            case 0:
                break;
            case 1:
                m.name = kUserName;
                break;
            case 2:
                m.name = "Bob";
                break;
            default:
                m.name = in_.text();
                break;
        }
        m.text = in_.text();
        m.timestamp = timestamp();
        m.kind = static_cast<MessageKind>(in_.byte() % 3);
        if (in_.byte() % 4 == 0 && !ids_.empty()) m.reply_to = ids_.back();
        return m;
    }

    void check_action(const Action& a) {
        switch (a.kind) {
            case Action::Kind::publish: {
                FUZZ_CHECK(is_valid_room_name(a.room), "publish to an invalid room name");
                FUZZ_CHECK(model_.room(a.room) != nullptr, "publish to a room we are not in");
                FUZZ_CHECK(!a.message_id.empty(), "publish without a message id");
                // What goes out reads back as one message with that id.
                const DecodeResult back = decode_payload(a.payload, now_);
                FUZZ_CHECK(back.messages.size() == 1 && back.notice.empty(),
                           "published payload does not decode: " + back.notice);
                FUZZ_CHECK(back.messages.front().id == a.message_id, "published id differs");
                FUZZ_CHECK(back.messages.front().user == kUserId, "published user differs");
                remember(a.message_id);
                break;
            }
            case Action::Kind::join:
                FUZZ_CHECK(is_valid_room_name(a.room), "join of an invalid room name");
                FUZZ_CHECK(model_.room(a.room) != nullptr, "joined room is not in the model");
                break;
            case Action::Kind::part:
                FUZZ_CHECK(is_valid_room_name(a.room), "part of an invalid room name");
                FUZZ_CHECK(model_.room(a.room) == nullptr, "parted room is still in the model");
                break;
            case Action::Kind::fetch_older:
                FUZZ_CHECK(is_valid_room_name(a.room), "fetch_older for an invalid room name");
                FUZZ_CHECK(model_.room(a.room) != nullptr, "fetch_older for a room we are not in");
                FUZZ_CHECK(!a.before.empty(), "fetch_older without a cursor");
                FUZZ_CHECK(model_.room(a.room)->log.contains(a.before),
                           "fetch_older cursor is not a loaded message");
                break;
            case Action::Kind::redraw:
            case Action::Kind::quit:
                break;
        }
    }

    void check_model() {
        const auto& rooms = model_.rooms();
        FUZZ_CHECK(!rooms.empty() && rooms.size() <= kMaxRooms, "room count");
        FUZZ_CHECK(model_.active() < rooms.size(), "active room out of range");
        FUZZ_CHECK(model_.current().unread == 0 && model_.current().mentions == 0,
                   "the active room has unread messages");
        int pending_entries = 0;
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            const RoomState& r = rooms[i];
            FUZZ_CHECK(is_valid_room_name(r.name), "invalid room name in the model");
            for (std::size_t j = 0; j < i; ++j)
                FUZZ_CHECK(rooms[j].name != r.name, "room joined twice");
            FUZZ_CHECK(r.unread >= 0, "negative unread count");
            FUZZ_CHECK(r.mentions >= 0, "negative mention count");
            FUZZ_CHECK(r.mentions <= r.unread, "more mentions than unread messages");
            FUZZ_CHECK(r.viewport.new_below() >= 0, "negative new-below count");
            FUZZ_CHECK(r.viewport.scroll() >= 0, "negative scroll");
            FUZZ_CHECK(r.log.size() <= kScrollback, "scrollback over its capacity");
            for (const auto& e : r.log.entries())
                pending_entries += e.delivery == Delivery::pending;
        }
        FUZZ_CHECK(model_.pending() >= 0, "negative pending count");
        // Every message shown as pending is counted. Not equality: a pending
        // message can leave the log (trimmed, or its room parted) before its ack.
        FUZZ_CHECK(model_.pending() >= pending_entries, "pending messages not counted");
        const std::string& line = model_.editor().text();
        FUZZ_CHECK(terminal_safety_problem(line).empty(),
                   "input line: " + terminal_safety_problem(line));
        FUZZ_CHECK(model_.editor().cursor() <= line.size(), "input cursor past the end");
        FUZZ_CHECK(line.size() <= LineEditor::kMaxBytes, "input line over its limit");
    }

    // One frame as the app draws it: layout, checks, the report back to the
    // model. Without actions, the next frame must be the same screen: a
    // scrolled view stays where it is frame after frame.
    void frame(int width, int height) {
        ++layouts_;
        LayoutReport report;
        const Screen screen = layout_chat(model_, width, height, now_, report);
        check_screen(screen, width, height);
        check_report(report, width, height);
        const std::vector<Action> actions = model_.after_layout(report);
        check_after_layout(actions, report);
        if (!actions.empty()) return;
        LayoutReport again_report;
        const Screen again = layout_chat(model_, width, height, now_, again_report);
        FUZZ_CHECK(same_screen(again, screen), "the next frame differs without an event:\n" +
                                                   screen.text() + "----\n" + again.text());
        check_after_layout(model_.after_layout(again_report), again_report);
    }

    static bool same_screen(const Screen& a, const Screen& b) {
        if (a.width() != b.width() || a.height() != b.height()) return false;
        for (int r = 0; r < a.height(); ++r)
            if (a.row(r) != b.row(r)) return false;
        return a.cursor_row == b.cursor_row && a.cursor_col == b.cursor_col &&
               a.cursor_visible == b.cursor_visible && a.title == b.title;
    }

    void check_report(const LayoutReport& report, int width, int height) {
        FUZZ_CHECK(report.pane_height >= 0 && report.pane_height <= height, "pane height");
        FUZZ_CHECK(report.max_scroll >= 0, "negative max_scroll");
        const bool pane_drawn = width > 0 && height >= 3;
        if (pane_drawn) {
            FUZZ_CHECK(report.scroll >= 0 && report.scroll <= report.max_scroll,
                       "drawn scroll outside 0..max_scroll");
        } else {
            FUZZ_CHECK(report.scroll == -1, "scroll reported without a pane");
        }
        if (report.scroll > 0 && !report.anchor_id.empty())
            FUZZ_CHECK(model_.current().log.contains(report.anchor_id),
                       "anchor is not a message of the room");
    }

    void check_after_layout(const std::vector<Action>& actions, const LayoutReport& report) {
        for (const Action& a : actions) {
            FUZZ_CHECK(a.kind == Action::Kind::fetch_older,
                       "after_layout asked for more than history");
            FUZZ_CHECK(a.room == model_.current().name, "fetch_older for another room");
            check_action(a);
        }
        // A frame without a pane (under 3 rows) leaves the scroll as it was.
        const RoomState& r = model_.current();
        FUZZ_CHECK(
            r.viewport.scroll() >= 0 &&
                (report.pane_height == 0 || r.viewport.scroll() <= std::max(report.max_scroll, 0)),
            "scroll outside what the layout reported");
        check_model();
    }

    void check_screen(const Screen& s, int width, int height) {
        FUZZ_CHECK(s.width() == width && s.height() == height, "screen size differs from asked");
        FUZZ_CHECK(terminal_safety_problem(s.title).empty(),
                   "title: " + terminal_safety_problem(s.title));
        if (width > 0 && height > 0) {
            FUZZ_CHECK(s.cursor_row >= 0 && s.cursor_row < height, "cursor row off screen");
            FUZZ_CHECK(s.cursor_col >= 0 && s.cursor_col < width, "cursor column off screen");
            // The terminal's cursor on the right half of a wide character
            // would split it: typed text would land in the middle.
            FUZZ_CHECK(s.at(s.cursor_row, s.cursor_col).width != 0,
                       "cursor on the right half of a wide character");
        }
        for (int r = 0; r < height; ++r) {
            const auto& cells = s.row(r);
            FUZZ_CHECK(static_cast<int>(cells.size()) == width, "row length differs from width");
            int columns = 0;
            for (int c = 0; c < width; ++c) {
                const Cell& cell = cells[static_cast<std::size_t>(c)];
                // Built only when a check fails: the checks run on every cell.
                const auto where = [&] {
                    return "row " + std::to_string(r) + " col " + std::to_string(c) + " of " +
                           std::to_string(width) + "x" + std::to_string(height) + ": ";
                };
                columns += cell.width;
                FUZZ_CHECK(terminal_safety_problem(cell.glyph).empty(),
                           where() + terminal_safety_problem(cell.glyph));
                FUZZ_CHECK(test_support::longest_zero_width_run(cell.glyph) <= 8,
                           where() + "over 8 combining marks");
                switch (cell.width) {
                    case 2:
                        FUZZ_CHECK(c + 1 < width, where() + "wide character in the last column");
                        FUZZ_CHECK(cells[static_cast<std::size_t>(c) + 1].width == 0,
                                   where() + "wide character without its continuation cell");
                        FUZZ_CHECK(unicode::display_width(cell.glyph) == 2,
                                   where() + "wide cell whose glyph is not 2 columns");
                        break;
                    case 0:
                        FUZZ_CHECK(c > 0 && cells[static_cast<std::size_t>(c) - 1].width == 2,
                                   where() + "continuation cell not after a wide character");
                        FUZZ_CHECK(cell.glyph.empty(), where() + "continuation cell with a glyph");
                        break;
                    case 1:
                        FUZZ_CHECK(cell.glyph.empty() || unicode::display_width(cell.glyph) == 1,
                                   where() + "narrow cell whose glyph is not 1 column");
                        break;
                    default:
                        FUZZ_CHECK(false, where() + "cell width " + std::to_string(cell.width));
                }
            }
            FUZZ_CHECK(columns == width, "row " + std::to_string(r) + " covers " +
                                             std::to_string(columns) + " columns, not " +
                                             std::to_string(width));
        }
    }

    Input& in_;
    ChatModel model_;
    std::int64_t now_ = kStart;
    std::vector<std::string> ids_;  // seen and published ids, for repeats and acks
    int next_id_ = 0;
    int layouts_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // The clock column goes through localtime_r: the same zone on every machine.
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    Session(in).run();
    return 0;
}
