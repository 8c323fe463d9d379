// The input line of the chat screen: UTF-8 editing with emacs keys, a kill
// buffer, the history of sent lines, and the horizontally scrolled slice the
// layout draws. Knows nothing of the terminal: keys come in as mqchat::Key.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "key.hpp"

namespace mqchat {

// The cursor moves and deletes by character: a base code point plus the
// zero-width code points (combining marks) after it, so it never stands inside
// one. The text is always sanitized, one line, at most kMaxBytes long.
class LineEditor {
  public:
    static constexpr std::size_t kMaxBytes = 16 * 1024;

    explicit LineEditor(std::size_t history_limit = 500);

    // Applies an editing key and returns true, or returns false for keys it
    // does not handle (enter, tab, page up/down, escape, wheel, paste,
    // Ctrl-C/D/L/N/P, Alt-digits ...): the caller handles those. Ctrl-D is an
    // editing key (delete) only while the line is not empty.
    bool handle(const Key& key);

    const std::string& text() const { return text_; }  // UTF-8, printable, never '\n'
    std::size_t cursor() const { return cursor_; }     // byte offset, on a character boundary
    bool empty() const { return text_.empty(); }

    // Replaces the line (sanitized like typed text); the cursor goes to the end.
    void set_text(std::string text);
    // Puts back a state saved from text() and cursor() (Tab cycling undoes
    // its previous candidate this way, whatever inserting it changed).
    void restore(std::string saved_text, std::size_t saved_cursor);
    // Inserts at the cursor, sanitized like typed text, truncated at a
    // character boundary when the line would grow past kMaxBytes.
    void insert(std::string_view text);

    // Enter: returns the text, records it in the history (unless empty or equal
    // to the newest entry) and clears the line.
    std::string submit();

    // Tab completion: the word (run of non-space characters) that ends at the
    // cursor, and replacing it (the replacement is sanitized like typed text).
    std::string word_before_cursor() const;
    void replace_word_before_cursor(std::string_view replacement);

    // Sent lines, oldest first. Up/Down recall copies: entries never change.
    const std::deque<std::string>& history() const { return history_; }

    // What to draw in an input area `width` columns wide: the visible slice of
    // the text and the cursor's column in it (0 <= cursor_col < width, and at
    // most the slice's width). The scroll stays put while the cursor stays in
    // the window; when it leaves, the window jumps so the cursor lands about a
    // third of the width from the edge it crossed. A wide character that would
    // straddle the right edge is left out. Widths below 1 count as 1.
    struct View {
        std::string text;
        int cursor_col = 0;
    };
    View view(int width);

  private:
    bool handle_ctrl(char letter, bool after_kill);
    bool handle_alt(char letter, bool after_kill);

    std::size_t next_char(std::size_t pos) const;
    std::size_t prev_char(std::size_t pos) const;
    std::size_t next_word_end(std::size_t pos) const;
    std::size_t prev_word_start(std::size_t pos) const;
    std::size_t prev_unix_word_start(std::size_t pos, bool skip_spaces) const;

    void erase(std::size_t from, std::size_t to);
    // Erases into the kill buffer; after another kill, adds to what it holds.
    void kill(std::size_t from, std::size_t to, bool after_kill);
    void transpose();
    void recall(std::size_t index);

    std::string text_;
    std::size_t cursor_ = 0;
    std::size_t scroll_ = 0;  // byte offset of the first character shown
    std::string kill_buffer_;
    bool last_was_kill_ = false;  // consecutive kills accumulate, as in readline

    std::size_t history_limit_;
    std::deque<std::string> history_;
    std::size_t history_pos_ = 0;  // == history_.size() on the live line
    std::string draft_;            // the live line while a history entry is shown
};

}  // namespace mqchat
