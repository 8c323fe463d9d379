// Turns what ncurses' wget_wch returns, one code at a time, into mqchat::Key
// values: typed text, editing keys, Ctrl and Alt combinations, bracketed pastes.
// No terminal I/O here, so it is unit-tested by feeding code sequences.
#pragma once

#include <cstddef>
#include <cwchar>
#include <string>
#include <vector>

#include "core/key.hpp"

namespace mqchat::tui {

// Key codes the Terminal registers with define_key for the bracketed-paste
// markers "\033[200~" and "\033[201~". Above KEY_MAX (0777) so they never
// collide with ncurses' own codes; key_decoder.cpp checks that at compile time.
inline constexpr int kPasteBeginCode = 0x1200;
inline constexpr int kPasteEndCode = 0x1201;
// A paste beyond this is cut (the rest is read and dropped, up to the end
// marker), so a runaway paste cannot grow memory without bound.
inline constexpr std::size_t kMaxPasteBytes = std::size_t{1} << 20;

class KeyDecoder {
  public:
    // One result of wget_wch: `status` is OK (a character) or KEY_CODE_YES (a
    // function key code). KEY_MOUSE is ignored here: the Terminal reads the
    // event with getmouse and calls feed_wheel.
    void feed(int status, wint_t value);
    void feed_wheel(bool up);

    // The input went quiet for the escape delay: a pending ESC is the Escape
    // key, and a started escape sequence was Alt + its first character.
    void flush();
    // The paste end marker never came: deliver what was collected as a paste.
    void end_paste();

    bool waiting_for_escape() const { return state_ != State::ground && state_ != State::paste; }
    bool in_paste() const { return state_ == State::paste; }

    // The keys decoded so far, in order; consecutive typed characters are one key.
    std::vector<Key> take();

  private:
    enum class State { ground, escape, csi, ss3, paste };

    void feed_char(char32_t ch);
    void feed_code(int code);
    void feed_paste_char(char32_t ch);
    void dispatch_csi(char final_byte);
    void dispatch_ss3(char final_byte);
    void begin_paste();
    void finish_paste();
    void emit(Key key);
    void emit_text(char32_t ch);
    void append_paste(char32_t ch);

    State state_ = State::ground;
    std::string sequence_;  // parameter bytes of a CSI sequence being read
    std::string paste_;
    std::string marker_;  // a possible raw "\033[201~" seen inside a paste, so far
    bool paste_after_cr_ = false;
    std::vector<Key> keys_;
};

}  // namespace mqchat::tui
