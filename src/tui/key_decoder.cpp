// The key decoder's state machine: ESC/Alt, raw CSI and SS3 sequences ncurses
// left undecoded, and bracketed pastes (by define_key code or raw marker).
#include "key_decoder.hpp"

#include <curses.h>

#include <string_view>
#include <utility>

#include "core/utf8.hpp"

namespace mqchat::tui {

static_assert(kPasteBeginCode > KEY_MAX && kPasteEndCode > KEY_MAX,
              "the paste key codes must not collide with ncurses' own");

namespace {

constexpr char32_t kEsc = 0x1B;
constexpr std::string_view kRawPasteEnd = "\033[201~";
// Longer parameter strings are no key a keyboard sends; they are swallowed
// without growing the buffer.
constexpr std::size_t kMaxSequence = 16;

bool is_scalar_value(char32_t ch) {
    return ch <= 0x10FFFF && (ch < 0xD800 || ch > 0xDFFF);
}

// The number before any ';' modifier, e.g. "3;5" (Ctrl-Delete) -> "3".
std::string_view first_param(std::string_view params) {
    return params.substr(0, params.find(';'));
}

}  // namespace

void KeyDecoder::feed(int status, wint_t value) {
    if (status == KEY_CODE_YES) {
        feed_code(static_cast<int>(value));
    } else if (status == OK) {
        feed_char(static_cast<char32_t>(value));
    }
}

void KeyDecoder::feed_wheel(bool up) {
    if (state_ == State::paste) return;
    flush();
    emit(Key::of(up ? Key::Kind::wheel_up : Key::Kind::wheel_down));
}

void KeyDecoder::flush() {
    switch (state_) {
        case State::escape:
            emit(Key::of(Key::Kind::escape));
            break;
        case State::csi:
            // ESC '[' alone was Alt-[; with parameters it was a cut-off sequence.
            if (sequence_.empty()) emit(Key::meta('['));
            break;
        case State::ss3:
            if (sequence_.empty()) emit(Key::meta('O'));
            break;
        case State::ground:
        case State::paste:
            return;
    }
    sequence_.clear();
    state_ = State::ground;
}

void KeyDecoder::end_paste() {
    if (state_ == State::paste) finish_paste();
}

std::vector<Key> KeyDecoder::take() {
    return std::exchange(keys_, {});
}

void KeyDecoder::feed_code(int code) {
    if (state_ == State::paste) {
        if (code == kPasteEndCode) {
            finish_paste();
        } else if (code == KEY_ENTER) {
            feed_paste_char(U'\r');
        }
        // Any other code is an escape sequence inside the pasted text that
        // ncurses already consumed; its bytes are gone and the sanitizer would
        // drop them anyway.
        return;
    }
    // ESC followed by a function key: the ESC was a key of its own.
    flush();
    switch (code) {
        case KEY_ENTER:
            emit(Key::of(Key::Kind::enter));
            break;
        case KEY_BTAB:
            emit(Key::of(Key::Kind::back_tab));
            break;
        case KEY_BACKSPACE:
            emit(Key::of(Key::Kind::backspace));
            break;
        case KEY_DC:
            emit(Key::of(Key::Kind::del));
            break;
        case KEY_LEFT:
            emit(Key::of(Key::Kind::left));
            break;
        case KEY_RIGHT:
            emit(Key::of(Key::Kind::right));
            break;
        case KEY_UP:
            emit(Key::of(Key::Kind::up));
            break;
        case KEY_DOWN:
            emit(Key::of(Key::Kind::down));
            break;
        // Terminfo often names "\033[1~" and "\033[4~" Find and Select, and the
        // keypad's corners A1/C1 are Home/End.
        case KEY_HOME:
        case KEY_FIND:
        case KEY_A1:
            emit(Key::of(Key::Kind::home));
            break;
        case KEY_END:
        case KEY_SELECT:
        case KEY_C1:
            emit(Key::of(Key::Kind::end));
            break;
        case KEY_PPAGE:
        case KEY_A3:
            emit(Key::of(Key::Kind::page_up));
            break;
        case KEY_NPAGE:
        case KEY_C3:
            emit(Key::of(Key::Kind::page_down));
            break;
        case kPasteBeginCode:
            begin_paste();
            break;
        default:  // a stray paste end, KEY_RESIZE, keys the chat has no use for
            break;
    }
}

void KeyDecoder::feed_char(char32_t ch) {
    switch (state_) {
        case State::paste:
            feed_paste_char(ch);
            return;
        case State::escape:
            if (ch == U'[' || ch == U'O') {
                state_ = ch == U'[' ? State::csi : State::ss3;
                sequence_.clear();
                return;
            }
            state_ = State::ground;
            if (ch >= 0x20 && ch < 0x7F) {
                emit(Key::meta(static_cast<char>(ch)));
                return;
            }
            // ESC then Enter, another ESC, a non-ASCII character: two keys.
            emit(Key::of(Key::Kind::escape));
            break;
        case State::csi:
        case State::ss3:
            if (ch >= 0x20 && ch <= 0x3F) {
                if (sequence_.size() < kMaxSequence) sequence_ += static_cast<char>(ch);
                return;
            }
            if (ch >= 0x40 && ch <= 0x7E) {
                const State kind = state_;
                state_ = State::ground;
                if (kind == State::csi) {
                    dispatch_csi(static_cast<char>(ch));
                } else {
                    dispatch_ss3(static_cast<char>(ch));
                }
                sequence_.clear();
                return;
            }
            // A control or non-ASCII character cannot be part of a sequence:
            // drop the cut-off sequence and read the character as input.
            state_ = State::ground;
            sequence_.clear();
            break;
        case State::ground:
            break;
    }

    if (ch == kEsc) {
        state_ = State::escape;
    } else if (ch == U'\r' || ch == U'\n') {
        emit(Key::of(Key::Kind::enter));
    } else if (ch == U'\t') {
        emit(Key::of(Key::Kind::tab));
    } else if (ch == 0x7F || ch == 0x08) {
        emit(Key::of(Key::Kind::backspace));
    } else if (ch >= 1 && ch <= 26) {
        emit(Key::control(static_cast<char>('a' + (ch - 1))));
    } else if (ch >= 0x20 && !(ch >= 0x80 && ch <= 0x9F) && is_scalar_value(ch)) {
        emit_text(ch);
    }
    // NUL, ^\ ^] ^^ ^_, C1 controls and invalid code points type nothing.
}

void KeyDecoder::dispatch_csi(char final_byte) {
    const std::string_view params = sequence_;
    switch (final_byte) {
        case 'A':
            emit(Key::of(Key::Kind::up));
            return;
        case 'B':
            emit(Key::of(Key::Kind::down));
            return;
        case 'C':
            emit(Key::of(Key::Kind::right));
            return;
        case 'D':
            emit(Key::of(Key::Kind::left));
            return;
        case 'H':
            emit(Key::of(Key::Kind::home));
            return;
        case 'F':
            emit(Key::of(Key::Kind::end));
            return;
        case 'Z':
            emit(Key::of(Key::Kind::back_tab));
            return;
        case '~':
            break;
        default:
            return;  // a key the chat has no use for (F-keys, focus events)
    }
    const std::string_view n = first_param(params);
    if (params == "200") {
        begin_paste();
    } else if (n == "1" || n == "7") {
        emit(Key::of(Key::Kind::home));
    } else if (n == "4" || n == "8") {
        emit(Key::of(Key::Kind::end));
    } else if (n == "3") {
        emit(Key::of(Key::Kind::del));
    } else if (n == "5") {
        emit(Key::of(Key::Kind::page_up));
    } else if (n == "6") {
        emit(Key::of(Key::Kind::page_down));
    }
}

void KeyDecoder::dispatch_ss3(char final_byte) {
    switch (final_byte) {
        case 'A':
            emit(Key::of(Key::Kind::up));
            break;
        case 'B':
            emit(Key::of(Key::Kind::down));
            break;
        case 'C':
            emit(Key::of(Key::Kind::right));
            break;
        case 'D':
            emit(Key::of(Key::Kind::left));
            break;
        case 'H':
            emit(Key::of(Key::Kind::home));
            break;
        case 'F':
            emit(Key::of(Key::Kind::end));
            break;
        case 'M':  // the keypad's Enter in application mode
            emit(Key::of(Key::Kind::enter));
            break;
        default:
            break;
    }
}

void KeyDecoder::begin_paste() {
    state_ = State::paste;
    paste_.clear();
    marker_.clear();
    paste_after_cr_ = false;
}

void KeyDecoder::finish_paste() {
    // A marker prefix cut off by the end code or the timeout was pasted text.
    for (const char c : std::exchange(marker_, {}))
        append_paste(static_cast<unsigned char>(c));
    state_ = State::ground;
    if (!paste_.empty()) emit(Key::pasted(std::move(paste_)));
    paste_.clear();
    paste_after_cr_ = false;
}

// Looks for the raw end marker (when define_key did not catch it), holding the
// bytes of a possible marker until they either complete it or prove to be text.
void KeyDecoder::feed_paste_char(char32_t ch) {
    if (!marker_.empty() || ch == kEsc) {
        if (ch < 0x80) {
            std::string candidate = marker_ + static_cast<char>(ch);
            if (kRawPasteEnd.starts_with(candidate)) {
                marker_ = std::move(candidate);
                if (marker_.size() == kRawPasteEnd.size()) {
                    marker_.clear();
                    finish_paste();
                }
                return;
            }
        }
        for (const char c : std::exchange(marker_, {}))
            append_paste(static_cast<unsigned char>(c));
        if (ch == kEsc) {
            // (push_back: assigning a literal trips a GCC 12 -Wrestrict false positive)
            marker_.push_back(0x1B);
            return;
        }
    }
    append_paste(ch);
}

// Pasted text keeps everything (controls and escape sequences included; the
// core sanitizes it) except that a CR or CRLF line ending becomes '\n'.
void KeyDecoder::append_paste(char32_t ch) {
    const bool after_cr = std::exchange(paste_after_cr_, false);
    if (ch == U'\n' && after_cr) return;
    if (paste_.size() >= kMaxPasteBytes) return;
    if (ch == U'\r') {
        paste_ += '\n';
        paste_after_cr_ = true;
        return;
    }
    utf8::append(paste_, is_scalar_value(ch) ? ch : utf8::kReplacement);
}

void KeyDecoder::emit(Key key) {
    keys_.push_back(std::move(key));
}

void KeyDecoder::emit_text(char32_t ch) {
    if (keys_.empty() || keys_.back().kind != Key::Kind::text) keys_.push_back(Key::typed({}));
    utf8::append(keys_.back().text, ch);
}

}  // namespace mqchat::tui
