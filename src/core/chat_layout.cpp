// The chat screen's layout. Every network string passes sanitize() here
// before it becomes cells.
#include "chat_layout.hpp"

#include <algorithm>
#include <optional>

#include "sanitize.hpp"
#include "time_format.hpp"
#include "unicode_width.hpp"
#include "utf8.hpp"
#include "viewport.hpp"

namespace mqchat {
namespace {

// A piece of a pane row: text at a column, in a style.
struct Segment {
    int col;
    std::string text;
    Style style;
};
using Row = std::vector<Segment>;

constexpr std::string_view kEllipsis = "…";

int width_of(std::string_view s) {
    return static_cast<int>(unicode::display_width(s));
}

// `text` cut to at most `max` columns, ending in "…" when cut.
std::string fit(std::string_view text, int max) {
    if (max <= 0) return {};
    if (width_of(text) <= max) return std::string(text);
    std::string out;
    int used = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        const int w = std::max(unicode::codepoint_width(d.codepoint), 0);
        if (used + w > max - 1) break;
        out.append(text.substr(pos, d.length));
        used += w;
        pos += d.length;
    }
    return out + std::string(kEllipsis);
}

struct Columns {
    bool show_time;
    int nick_col;
    int nick_width;
    int text_col;
    int indent;  // continuation rows
};

Columns columns_for(int width) {
    Columns c{};
    c.show_time = width >= 30;
    c.nick_col = c.show_time ? 6 : 0;
    c.nick_width = std::clamp(width / 8, 4, 12);
    c.text_col = c.nick_col + c.nick_width + 1;
    c.indent = width - c.text_col >= 12 ? c.text_col : 2;
    return c;
}

Style nick_style(const LogEntry& e) {
    if (e.mine) return Style{Color::accent, true};
    Style s{static_cast<Color>(nick_color_index(e.message.user)), true};
    if (e.mention) s.reverse = true;
    return s;
}

std::string delivery_mark(Delivery d) {
    switch (d) {
        case Delivery::pending:
            return " …";
        case Delivery::sent:
            return " ✓";
        case Delivery::failed:
            return " ✗ not sent";
        case Delivery::none:
            break;
    }
    return {};
}

Style delivery_style(Delivery d) {
    if (d == Delivery::failed) return Style{Color::error, true};
    if (d == Delivery::pending) return Style{Color::warning};
    return Style{Color::good, false, true};
}

// The rows of one message, top to bottom.
std::vector<Row> message_rows(const LogEntry& e, const Columns& c, int width) {
    const Message& m = e.message;
    const bool notice = m.kind == MessageKind::notice;
    const Style text_style = notice ? Style{Color::normal, false, true} : Style{};
    std::string name = sanitize(m.shown_name());
    std::string text = sanitize(m.text, Newlines::keep);
    std::string nick_cell;
    Style nick_cell_style = nick_style(e);
    if (notice) {
        nick_cell = "--";
        nick_cell_style = Style{Color::normal, false, true};
    } else if (m.kind == MessageKind::me) {
        nick_cell = "*";
        text = name + " " + text;
    } else {
        nick_cell = fit(name, c.nick_width);
    }
    std::string mark = e.mine ? delivery_mark(e.delivery) : std::string();
    auto lines = wrap_text(text, width - c.text_col, width - c.indent);
    // The delivery mark follows the last row in its own style, or gets a row of
    // its own when that one is full: wrapped in with the text it could be split
    // across rows, and it would not be the tail of the row the styling expects.
    if (!mark.empty()) {
        const int room = lines.size() == 1 ? width - c.text_col : width - c.indent;
        if (width_of(lines.back()) + width_of(mark) > room) {
            lines.emplace_back();
            mark.erase(0, 1);  // its leading space
        }
    }
    std::vector<Row> rows;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Row row;
        if (i == 0) {
            if (c.show_time && m.timestamp > 0)
                row.push_back(
                    {0, format_clock(m.timestamp).substr(0, 5), Style{Color::normal, false, true}});
            const int pad = m.kind == MessageKind::me ? c.nick_width - width_of(nick_cell) : 0;
            row.push_back({c.nick_col + pad, nick_cell, nick_cell_style});
        }
        const int col = i == 0 ? c.text_col : c.indent;
        const std::size_t text_index = row.size();
        row.push_back({col, std::move(lines[i]), text_style});
        if (i + 1 == lines.size() && !mark.empty())
            row.push_back({col + width_of(row[text_index].text), mark, delivery_style(e.delivery)});
        if (m.kind == MessageKind::me && i == 0) {
            // The actor's name in the nick's style (only its first part when
            // the name itself wraps). Not row.back(): that may be the mark.
            Segment& said = row[text_index];
            std::string actor = said.text.substr(0, std::min(said.text.size(), name.size()));
            said.text.erase(0, actor.size());
            said.col += width_of(actor);
            row.push_back({c.text_col, std::move(actor), nick_style(e)});
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// A full-width rule of `fill` with `label` in the middle.
Row centred_rule(int width, const std::string& label, const char* fill, Style style) {
    const int side = std::max((width - width_of(label)) / 2, 0);
    std::string line;
    for (int i = 0; i < side; ++i)
        line += fill;
    line += label;
    while (width_of(line) < width)
        line += fill;
    return {{0, line, style}};
}

Row divider_row(int width, int unread) {
    return centred_rule(width, " " + std::to_string(unread) + " new ", "─", Style{Color::warning});
}

// Between two messages of different days: the newer one's date, centred.
Row day_row(int width, std::int64_t timestamp_ms) {
    return centred_rule(width, " " + format_day(timestamp_ms) + " ", "-",
                        Style{Color::normal, false, true});
}

void draw_row(Screen& screen, int y, const Row& row) {
    for (const auto& seg : row)
        screen.put(y, seg.col, seg.text, seg.style);
}

// The pane, bottom-up: only as many messages as the view (plus a page for
// scrolling) needs are wrapped, so a long scrollback costs little per frame.
// Scrolled up, the view stays on its anchor message however much arrives below
// (the viewport finds it among the rows placed here).
void draw_pane(Screen& screen, const RoomState& room, int top, int height, LayoutReport& report) {
    const int width = screen.width();
    const Columns c = columns_for(width);
    const auto& entries = room.log.entries();
    ViewPlacement view(room.viewport);
    std::vector<Row> rows;  // newest first
    int divider_count = 0;
    std::optional<std::int64_t> newer_day;  // of the message below, while walking up
    std::int64_t newer_time = 0;
    const std::string* newer_id = nullptr;  // the entry just below
    int newer_rows = 0;
    int newer_first = 0;
    bool all = true;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const int scroll = view.known_scroll();
        if (scroll >= 0 && static_cast<int>(rows.size()) >= scroll + 2 * height + 3) {
            all = false;
            break;
        }
        if (it->message.kind != MessageKind::notice) ++divider_count;  // as unread counts
        // Local notices may carry no time; they neither start nor split a day.
        // The date row belongs to the entry below it: a new day arriving at
        // the bottom must not shift the rows of the message an anchor is on.
        if (const std::int64_t t = it->message.timestamp; t > 0) {
            const auto day = local_day(t);
            if (day && newer_day && *day != *newer_day && newer_id) {
                rows.push_back(day_row(width, newer_time));
                view.place(*newer_id, newer_first, ++newer_rows);  // the anchor may be this row
            }
            newer_day = day;
            newer_time = t;
        }
        const int first = static_cast<int>(rows.size());
        auto message = message_rows(*it, c, width);
        for (auto r = message.rbegin(); r != message.rend(); ++r)
            rows.push_back(std::move(*r));
        if (!room.divider_before.empty() && it->message.id == room.divider_before &&
            std::next(it) != entries.rend())
            rows.push_back(divider_row(width, divider_count));
        const int count = static_cast<int>(rows.size()) - first;
        newer_id = &it->message.id;
        newer_rows = count;
        newer_first = first;
        view.place(it->message.id, first, count);
    }
    const int total = static_cast<int>(rows.size());
    report.pane_height = height;
    report.max_scroll = std::max(total - height, 0);
    view.report_view(report);
    const int scroll = report.scroll;
    report.top_visible = all && scroll + height >= total;
    for (int i = 0; i < height; ++i) {
        const int index = scroll + i;  // 0 = newest row
        if (index >= total) break;
        draw_row(screen, top + height - 1 - i, rows[static_cast<std::size_t>(index)]);
    }
    if (scroll > 0) {
        std::string more = " ↓ more below";
        if (const int n = room.viewport.new_below(); n > 0)
            more += " (" + std::to_string(n) + " new)";
        more += " · Esc returns ";
        const int y = top + height - 1;
        screen.fill(y, 0, width, Style{Color::normal, false, false, true});
        screen.put(y, 0, fit(more, width), Style{Color::warning, true, false, true});
    }
    if (all && report.top_visible && room.loading_older) {
        screen.fill(top, 0, width);  // over the oldest row: no tail of it may show
        screen.put(top, 0, fit("loading older messages…", width),
                   Style{Color::normal, false, true});
    }
}

void draw_header(Screen& screen, const ChatModel& model) {
    const RoomState& room = model.current();
    const int width = screen.width();
    int col = screen.put(0, 1, "#" + room.name, Style{Color::accent, true});
    // The server label must not overwrite this note, so it moves `col` on.
    if (!room.history_loaded)
        col = screen.put(0, col + 2, "loading history…", Style{Color::normal, false, true});
    const std::string label = sanitize(model.settings().server_label);
    const int w = width_of(label);
    if (col + 2 + w + 1 <= width)
        screen.put(0, width - w - 1, label, Style{Color::normal, false, true});
}

std::string link_text(const ChatModel& model, std::int64_t now_ms, Style& style) {
    switch (model.link()) {
        case LinkState::connecting:
            style.color = Color::warning;
            return "○ connecting";
        case LinkState::connected:
            style.color = Color::good;
            return "● connected";
        case LinkState::reconnecting: {
            style.color = Color::warning;
            const std::int64_t left = (model.retry_at_ms() - now_ms + 999) / 1000;
            if (model.retry_at_ms() > 0 && left > 0)
                return "◌ reconnecting in " + std::to_string(left) + "s";
            return "◌ reconnecting";
        }
        case LinkState::offline:
            style.color = Color::error;
            return "✗ offline";
    }
    return {};
}

std::string token_text(std::int64_t expires_at_ms, std::int64_t now_ms) {
    if (expires_at_ms <= 0) return {};
    const std::int64_t left = (expires_at_ms - now_ms) / 1000;
    if (left <= 0) return "token expired";
    if (left < 60) return "token " + std::to_string(left) + "s";
    if (left < 3600) return "token " + std::to_string(left / 60) + "m";
    return "token " + std::to_string(left / 3600) + "h";
}

void draw_status(Screen& screen, int y, const ChatModel& model, std::int64_t now_ms) {
    const int width = screen.width();
    const Style bar{Color::normal, false, false, true};
    screen.fill(y, 0, width, bar);
    Style link_style = bar;
    std::string right = link_text(model, now_ms, link_style);
    std::string extra;
    if (const auto t = token_text(model.token_expires_at_ms(), now_ms); !t.empty())
        extra += " · " + t;
    if (model.pending() > 0) extra += " · " + std::to_string(model.pending()) + " pending";
    int right_col = width - width_of(right) - width_of(extra) - 1;
    // The token and pending counts go when they would crowd out the room list
    // (whose first label then still shows a few characters).
    constexpr int kMinRoomList = 8;
    if (right_col < kMinRoomList && !extra.empty()) {
        extra.clear();
        right_col = width - width_of(right) - 1;
    }
    // Rooms first, then state: at narrow widths the room list gives way.
    int col = 1;
    const auto& rooms = model.rooms();
    for (std::size_t i = 0; i < rooms.size(); ++i) {
        std::string label =
            "[" + (i < 9 ? std::to_string(i + 1) + " " : std::string()) + rooms[i].name;
        if (rooms[i].unread > 0) label += "·" + std::to_string(rooms[i].unread);
        if (rooms[i].mentions > 0) label += "@" + std::to_string(rooms[i].mentions);
        label += "]";
        Style s = bar;
        if (i == model.active()) s.bold = true;
        if (rooms[i].mentions > 0)
            s.color = Color::error;
        else if (rooms[i].unread > 0)
            s.color = Color::warning;
        const int limit = (right_col > col ? right_col : width) - 1;
        if (col + width_of(label) > limit) {
            screen.put(y, col, fit(label, std::max(limit - col, 1)), s);
            col = limit;
            break;
        }
        col = screen.put(y, col, label, s) + 1;
    }
    if (right_col < col + 1) right_col = col + 1;
    const int after = screen.put(y, right_col, right, link_style);
    screen.put(y, after, extra, bar);
}

void draw_input(Screen& screen, int y, ChatModel& model) {
    const std::string prompt = model.prompt();
    if (!prompt.empty()) {
        const int end =
            screen.put(y, 0, fit(prompt, screen.width() - 1), Style{Color::warning, true});
        screen.cursor_row = y;
        screen.cursor_col = std::min(end, screen.width() - 1);
        return;
    }
    const int prompt_width = screen.width() >= 4 ? 2 : 0;
    if (prompt_width) screen.put(y, 0, "> ", Style{Color::accent, true});
    const auto view = model.editor().view(std::max(screen.width() - prompt_width, 1));
    screen.put(y, prompt_width, view.text);
    screen.cursor_row = y;
    screen.cursor_col = std::min(prompt_width + view.cursor_col, screen.width() - 1);
}

std::string title_of(const ChatModel& model) {
    int unread = 0;
    for (const auto& r : model.rooms())
        unread += r.unread;
    std::string title = "mqchat: #" + model.current().name;
    if (unread > 0) title += " (" + std::to_string(unread) + ")";
    return sanitize(title);
}

}  // namespace

int nick_color_index(std::string_view user) {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (const unsigned char c : user) {
        h ^= c;
        h *= 16777619u;
    }
    return static_cast<int>(h % kNickColors) + 1;
}

std::vector<std::string> wrap_text(std::string_view text, int first_width, int next_width) {
    std::vector<std::string> rows;
    first_width = std::max(first_width, 1);
    next_width = std::max(next_width, 1);
    std::string row;
    int used = 0;
    std::size_t break_at = std::string::npos;  // byte in `row` after the last space
    std::size_t break_pos = 0;                 // byte in `text` after that space
    const auto limit = [&] { return rows.empty() ? first_width : next_width; };
    const auto flush = [&] {
        while (!row.empty() && row.back() == ' ')
            row.pop_back();
        rows.push_back(std::move(row));
        row.clear();
        used = 0;
        break_at = std::string::npos;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        const std::string_view bytes = text.substr(pos, d.length);
        const std::size_t next = pos + d.length;
        if (d.codepoint == '\n') {
            flush();
            pos = next;
            continue;
        }
        const int w = std::max(unicode::codepoint_width(d.codepoint), 0);
        // An empty row takes whatever comes (a wide character in a 1-column
        // row): flushing it would only add an empty row before it.
        if (w > 0 && used > 0 && used + w > limit()) {
            if (d.codepoint == ' ') {  // a space at the edge is the break itself
                flush();
                pos = next;
                continue;
            }
            // Break at the last space, unless only spaces come before it (a
            // text starting with spaces): that would leave an empty row. The
            // word after the space is laid out again on the new row, which
            // may be narrower than the word (next_width < first_width).
            if (break_at != std::string::npos && row.find_first_not_of(' ') < break_at) {
                row.resize(break_at);
                flush();
                pos = break_pos;
                continue;
            }
            flush();
        }
        pos = next;
        if (used == 0 && d.codepoint == ' ' && !rows.empty()) continue;  // no leading space
        row.append(bytes);
        used += w;
        if (d.codepoint == ' ') {
            break_at = row.size();
            break_pos = pos;
        }
    }
    if (!row.empty() || rows.empty()) flush();
    return rows;
}

Screen layout_chat(ChatModel& model, int width, int height, std::int64_t now_ms,
                   LayoutReport& report) {
    Screen screen(width, height);
    report = LayoutReport{};
    screen.title = title_of(model);
    if (width <= 0 || height <= 0) return screen;
    const int input_row = height - 1;
    draw_input(screen, input_row, model);
    if (height >= 2) draw_status(screen, height - 2, model, now_ms);
    if (height >= 4) {
        draw_header(screen, model);
        draw_pane(screen, model.current(), 1, height - 3, report);
    } else if (height == 3) {
        draw_pane(screen, model.current(), 0, 1, report);
    }
    return screen;
}

}  // namespace mqchat
