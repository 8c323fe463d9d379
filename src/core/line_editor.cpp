// The input line: character and word motion over sanitized UTF-8, kills and
// yanks, history recall with a draft, and the horizontal scroll of the view.
#include "line_editor.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "sanitize.hpp"
#include "unicode_width.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {

// As in the sanitizer: more stacked marks only smear over neighbouring rows.
constexpr std::size_t kMaxMarks = 8;

bool is_mark(char32_t cp) {
    return unicode::codepoint_width(cp) == 0;
}

char32_t codepoint_at(std::string_view text, std::size_t pos) {
    return utf8::decode(text, pos).codepoint;
}

// Readline's word characters: ASCII letters and digits, and every non-ASCII
// printable character (so accented and CJK words are words too).
bool is_word_char(char32_t cp) {
    if (cp >= 0x80) return true;
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

bool is_space(char32_t cp) {
    return cp == ' ';  // sanitized text has no tabs or line breaks left
}

}  // namespace

LineEditor::LineEditor(std::size_t history_limit) : history_limit_(history_limit) {}

// --- characters and words

std::size_t LineEditor::next_char(std::size_t pos) const {
    if (pos >= text_.size()) return text_.size();
    pos += utf8::decode(text_, pos).length;
    while (pos < text_.size()) {
        const auto d = utf8::decode(text_, pos);
        if (!is_mark(d.codepoint)) break;
        pos += d.length;
    }
    return pos;
}

std::size_t LineEditor::prev_char(std::size_t pos) const {
    while (pos > 0) {
        --pos;
        while (pos > 0 && (static_cast<unsigned char>(text_[pos]) & 0xC0) == 0x80)
            --pos;
        if (!is_mark(codepoint_at(text_, pos))) break;
    }
    return pos;
}

std::size_t LineEditor::next_word_end(std::size_t pos) const {
    while (pos < text_.size() && !is_word_char(codepoint_at(text_, pos)))
        pos = next_char(pos);
    while (pos < text_.size() && is_word_char(codepoint_at(text_, pos)))
        pos = next_char(pos);
    return pos;
}

std::size_t LineEditor::prev_word_start(std::size_t pos) const {
    while (pos > 0 && !is_word_char(codepoint_at(text_, prev_char(pos))))
        pos = prev_char(pos);
    while (pos > 0 && is_word_char(codepoint_at(text_, prev_char(pos))))
        pos = prev_char(pos);
    return pos;
}

std::size_t LineEditor::prev_unix_word_start(std::size_t pos, bool skip_spaces) const {
    while (skip_spaces && pos > 0 && is_space(codepoint_at(text_, prev_char(pos))))
        pos = prev_char(pos);
    while (pos > 0 && !is_space(codepoint_at(text_, prev_char(pos))))
        pos = prev_char(pos);
    return pos;
}

// --- editing

void LineEditor::insert(std::string_view text) {
    last_was_kill_ = false;
    const std::string clean = sanitize(text, Newlines::fold);
    // Marks join the character before the cursor: cap that run, and drop marks
    // with no character to join (at the start of the line), so every character
    // starts with a base and the cursor can never end up inside one.
    bool has_base = cursor_ > 0;
    std::size_t marks = 0;
    for (std::size_t pos = cursor_; pos > 0;) {
        std::size_t start = pos - 1;
        while (start > 0 && (static_cast<unsigned char>(text_[start]) & 0xC0) == 0x80)
            --start;
        if (!is_mark(codepoint_at(text_, start))) break;
        ++marks;
        pos = start;
    }
    std::string out;
    out.reserve(clean.size());
    std::size_t cut = 0;  // end of the last whole character that fits
    const std::size_t room = kMaxBytes - std::min(kMaxBytes, text_.size());
    for (std::size_t pos = 0; pos < clean.size();) {
        const auto d = utf8::decode(clean, pos);
        const std::string_view bytes(clean.data() + pos, d.length);
        pos += d.length;
        if (is_mark(d.codepoint)) {
            if (!has_base || marks >= kMaxMarks) continue;
            ++marks;
        } else {
            if (out.size() > room) break;
            cut = out.size();
            has_base = true;
            marks = 0;
        }
        out.append(bytes);
    }
    if (out.size() <= room) cut = out.size();
    out.resize(cut);
    text_.insert(cursor_, out);
    cursor_ += out.size();
}

void LineEditor::set_text(std::string text) {
    text_.clear();
    cursor_ = 0;
    scroll_ = 0;
    insert(text);
}

void LineEditor::restore(std::string saved_text, std::size_t saved_cursor) {
    text_ = std::move(saved_text);
    cursor_ = std::min(saved_cursor, text_.size());
}

void LineEditor::erase(std::size_t from, std::size_t to) {
    text_.erase(from, to - from);
    cursor_ = from;
}

void LineEditor::kill(std::size_t from, std::size_t to, bool after_kill) {
    last_was_kill_ = true;
    if (from == to) return;
    std::string piece = text_.substr(from, to - from);
    if (!after_kill) {
        kill_buffer_ = std::move(piece);
    } else if (from < cursor_) {
        kill_buffer_.insert(0, piece);
    } else {
        kill_buffer_ += piece;
    }
    erase(from, to);
}

// Swaps the characters around the cursor and steps past them; at the end of
// the line, the last two (as readline does).
void LineEditor::transpose() {
    if (cursor_ == 0) return;
    const std::size_t at = cursor_ == text_.size() ? prev_char(cursor_) : cursor_;
    if (at == 0) return;
    const std::size_t before = prev_char(at);
    const std::size_t after = next_char(at);
    const std::string first = text_.substr(before, at - before);
    const std::string second = text_.substr(at, after - at);
    text_.replace(before, after - before, second + first);
    cursor_ = after;
}

// --- history

void LineEditor::recall(std::size_t index) {
    if (history_pos_ == history_.size()) draft_ = text_;
    history_pos_ = index;
    text_ = index == history_.size() ? draft_ : history_[index];
    cursor_ = text_.size();
}

std::string LineEditor::submit() {
    std::string line = std::move(text_);
    text_.clear();
    cursor_ = 0;
    scroll_ = 0;
    last_was_kill_ = false;
    draft_.clear();
    if (!line.empty() && history_limit_ > 0 && (history_.empty() || history_.back() != line)) {
        history_.push_back(line);
        while (history_.size() > history_limit_)
            history_.pop_front();
    }
    history_pos_ = history_.size();
    return line;
}

// --- completion

std::string LineEditor::word_before_cursor() const {
    const std::size_t start = prev_unix_word_start(cursor_, false);
    return text_.substr(start, cursor_ - start);
}

void LineEditor::replace_word_before_cursor(std::string_view replacement) {
    erase(prev_unix_word_start(cursor_, false), cursor_);
    insert(replacement);
}

// --- keys

bool LineEditor::handle(const Key& key) {
    const bool after_kill = std::exchange(last_was_kill_, false);
    switch (key.kind) {
        case Key::Kind::text:
            insert(key.text);
            return true;
        case Key::Kind::backspace:
            erase(prev_char(cursor_), cursor_);
            return true;
        case Key::Kind::del:
            erase(cursor_, next_char(cursor_));
            return true;
        case Key::Kind::left:
            cursor_ = prev_char(cursor_);
            return true;
        case Key::Kind::right:
            cursor_ = next_char(cursor_);
            return true;
        case Key::Kind::home:
            cursor_ = 0;
            return true;
        case Key::Kind::end:
            cursor_ = text_.size();
            return true;
        case Key::Kind::up:
            if (history_pos_ > 0) recall(history_pos_ - 1);
            return true;
        case Key::Kind::down:
            if (history_pos_ < history_.size()) recall(history_pos_ + 1);
            return true;
        case Key::Kind::ctrl:
            return handle_ctrl(key.letter, after_kill);
        case Key::Kind::alt:
            return handle_alt(key.letter, after_kill);
        default:
            return false;
    }
}

bool LineEditor::handle_ctrl(char letter, bool after_kill) {
    switch (letter) {
        case 'a':
            return handle(Key::of(Key::Kind::home));
        case 'e':
            return handle(Key::of(Key::Kind::end));
        case 'b':
            return handle(Key::of(Key::Kind::left));
        case 'f':
            return handle(Key::of(Key::Kind::right));
        case 'h':
            return handle(Key::of(Key::Kind::backspace));
        case 'd':
            if (text_.empty()) return false;  // the caller's (end of input, close ...)
            return handle(Key::of(Key::Kind::del));
        case 'k':
            kill(cursor_, text_.size(), after_kill);
            return true;
        case 'u':
            kill(0, cursor_, after_kill);
            return true;
        case 'w':
            kill(prev_unix_word_start(cursor_, true), cursor_, after_kill);
            return true;
        case 'y':
            insert(kill_buffer_);
            return true;
        case 't':
            transpose();
            return true;
        default:
            return false;
    }
}

bool LineEditor::handle_alt(char letter, bool after_kill) {
    switch (letter) {
        case 'b':
            cursor_ = prev_word_start(cursor_);
            return true;
        case 'f':
            cursor_ = next_word_end(cursor_);
            return true;
        case 'd':
            kill(cursor_, next_word_end(cursor_), after_kill);
            return true;
        default:
            return false;
    }
}

// --- view

LineEditor::View LineEditor::view(int width) {
    const auto cols = static_cast<std::size_t>(std::max(width, 1));
    struct Char {
        std::size_t start;
        std::size_t col;
        std::size_t width;
    };
    std::vector<Char> chars;
    std::size_t total = 0;
    for (std::size_t pos = 0; pos < text_.size();) {
        const std::size_t end = next_char(pos);
        const std::size_t w =
            unicode::display_width(std::string_view(text_).substr(pos, end - pos));
        chars.push_back({pos, total, w});
        total += w;
        pos = end;
    }
    const auto col_of = [&](std::size_t index) {
        return index < chars.size() ? chars[index].col : total;
    };
    // First character at or after a byte offset, or at or after a column.
    const auto at_offset = [&](std::size_t offset) {
        return static_cast<std::size_t>(
            std::lower_bound(chars.begin(), chars.end(), offset,
                             [](const Char& c, std::size_t o) { return c.start < o; }) -
            chars.begin());
    };
    const auto at_col = [&](std::size_t col) {
        return static_cast<std::size_t>(
            std::lower_bound(chars.begin(), chars.end(), col,
                             [](const Char& c, std::size_t v) { return c.col < v; }) -
            chars.begin());
    };

    const std::size_t cursor_index = at_offset(cursor_);
    const std::size_t cursor_col = col_of(cursor_index);
    // The cell under the cursor and the character on it, when that fits at all.
    const std::size_t need = std::min(
        cols,
        cursor_index < chars.size() ? std::max<std::size_t>(chars[cursor_index].width, 1) : 1);
    const std::size_t context = cols / 3;

    // The old scroll, snapped back onto a character start if an edit moved it.
    std::size_t first = chars.size();
    if (scroll_ < text_.size()) {
        first = at_offset(scroll_);
        if (first == chars.size() || chars[first].start != scroll_) --first;
    }
    if (total < cols) {
        first = 0;  // everything fits, the cursor after the end too
    } else if (cursor_col < col_of(first)) {
        first = at_col(cursor_col > context ? cursor_col - context : 0);
    } else if (cursor_col - col_of(first) + need > cols) {
        first = at_col(cursor_col + need + context - cols);
    }
    // Never more room on the right than a scroll step leaves while text is
    // hidden on the left (the terminal grew after a narrow frame).
    if (total >= cols && total + 1 - col_of(first) + context < cols)
        first = at_col(total + 1 + context - cols);
    scroll_ = first < chars.size() ? chars[first].start : text_.size();

    View v;
    const std::size_t left = col_of(first);
    for (std::size_t i = first; i < chars.size() && chars[i].col + chars[i].width - left <= cols;
         ++i) {
        const std::size_t end = i + 1 < chars.size() ? chars[i + 1].start : text_.size();
        v.text.append(text_, chars[i].start, end - chars[i].start);
    }
    v.cursor_col = static_cast<int>(cursor_col - left);
    return v;
}

}  // namespace mqchat
