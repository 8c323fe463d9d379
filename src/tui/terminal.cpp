// ncurses set-up and restore, the SIGWINCH self-pipe, key reading and drawing.
// Everything mqchat writes to the terminal while the TUI runs goes through here.
#include "terminal.hpp"

#include <curses.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "core/utf8.hpp"

namespace mqchat::tui {

namespace {

// How long a lone ESC waits for the rest of an Alt or function key.
constexpr int kEscDelayMs = 25;
// How long a paste may pause before it is taken as cut off. Generous: ending
// a paste early would type its remaining lines (and Enter) as keys.
constexpr int kPasteGapMs = 500;
constexpr std::size_t kMaxTitleBytes = 256;

// The SIGWINCH handler's only state: the self-pipe's write end. Atomic and
// lock-free, so a signal landing on any thread reads it safely.
std::atomic<int> g_resize_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free);
struct sigaction g_previous_sigwinch {};
bool g_terminal_active = false;  // touched by the owning thread only

extern "C" void on_sigwinch(int) {
    const int saved_errno = errno;
    const int fd = g_resize_fd.load();
    if (fd >= 0) {
        const char byte = 1;
        [[maybe_unused]] const auto n = ::write(fd, &byte, 1);  // full pipe: already signalled
    }
    errno = saved_errno;
}

// Writes bytes outside ncurses: only while ncurses' own buffer is empty (after
// doupdate or endwin), so nothing interleaves.
void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nothing sensible to do about a broken terminal here
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool input_pending(int timeout_ms) {
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int rc = 0;
    do {
        rc = ::poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

bool term_has_titles() {
    const char* term = std::getenv("TERM");
    if (!term) return false;
    const std::string_view t = term;
    for (const std::string_view prefix :
         {"xterm", "tmux", "screen", "rxvt", "alacritty", "foot", "kitty", "wezterm", "st-",
          "konsole", "gnome", "vte", "putty", "ghostty", "contour"}) {
        if (t.starts_with(prefix)) return true;
    }
    return false;
}

// TERM as it may appear in an error message: printable ASCII only, bounded.
std::string printable_term() {
    const char* term = std::getenv("TERM");
    std::string out;
    for (const char* p = term ? term : ""; *p && out.size() < 64; ++p) {
        if (*p > 0x20 && *p < 0x7F) out += *p;
    }
    return out.empty() ? "unset" : out;
}

// The core hands us sanitized titles; this is the last line of defence before
// an OSC, whose content a terminal would otherwise end or extend on a control.
std::string clean_title(std::string_view title) {
    std::string out;
    for (std::size_t pos = 0; pos < title.size();) {
        const auto d = utf8::decode(title, pos);
        const std::string_view bytes = title.substr(pos, d.length);
        pos += d.length;
        const char32_t cp = d.codepoint;
        if (!d.valid || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) continue;
        if (out.size() + bytes.size() > kMaxTitleBytes) break;
        out += bytes;
    }
    return out;
}

// Colour pairs are numbered by mqchat::Color; pair 0 is the terminal default.
constexpr short kPairForeground[] = {
    -1,             // normal (unused)
    COLOR_RED,      // nick1
    COLOR_GREEN,    // nick2
    COLOR_YELLOW,   // nick3
    COLOR_BLUE,     // nick4
    COLOR_MAGENTA,  // nick5
    COLOR_CYAN,     // nick6
    COLOR_CYAN,     // accent
    COLOR_GREEN,    // good
    COLOR_YELLOW,   // warning
    COLOR_RED,      // error
};
constexpr auto kPairs = static_cast<short>(std::size(kPairForeground));
static_assert(static_cast<int>(Color::error) == kPairs - 1, "one colour pair per mqchat::Color");

struct Rendition {
    attr_t attrs = A_NORMAL;
    short pair = 0;
};

Rendition rendition(const Style& style, bool color) {
    Rendition r;
    if (style.bold) r.attrs |= A_BOLD;
    if (style.dim) r.attrs |= A_DIM;
    if (style.reverse) r.attrs |= A_REVERSE;
    if (style.underline) r.attrs |= A_UNDERLINE;
    const auto index = static_cast<short>(style.color);
    if (style.color == Color::accent) r.attrs |= A_BOLD;
    if (color) {
        if (index > 0 && index < kPairs) r.pair = index;
    } else if (style.color == Color::error) {
        r.attrs |= A_BOLD;  // without colour, failures still stand out
    }
    return r;
}

// The first code point of a glyph plus the combining marks ncurses accepts
// with it, as wide characters (wchar_t is UCS-4 on the platforms we build for).
struct WideGlyph {
    wchar_t chars[CCHARW_MAX + 1] = {};
    int width = 1;  // as ncurses (wcwidth) sees the first character
};

WideGlyph widen(std::string_view glyph) {
    WideGlyph g;
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < glyph.size() && n < CCHARW_MAX;) {
        const auto d = utf8::decode(glyph, pos);
        pos += d.length;
        const auto wc = static_cast<wchar_t>(d.codepoint);
        if (n == 0) {
            g.chars[n++] = wc;
            g.width = ::wcwidth(wc);
        } else if (::wcwidth(wc) == 0) {
            g.chars[n++] = wc;
        }
    }
    if (n == 0) {
        g.chars[n++] = L' ';
        g.width = 1;
    }
    g.chars[n] = L'\0';
    return g;
}

void put_chars(int row, int col, const wchar_t* chars, Rendition r) {
    cchar_t cc;
    if (setcchar(&cc, chars, r.attrs, r.pair, nullptr) != OK) {
        const wchar_t replacement[] = {0xFFFD, L'\0'};
        setcchar(&cc, replacement, r.attrs, r.pair, nullptr);
    }
    // At the bottom-right corner this reports ERR (the cursor cannot wrap)
    // after placing the character, which is all we want.
    mvwadd_wch(stdscr, row, col, &cc);
}

// Places one cell where the core's layout put it. Where the locale's idea of
// the character's width differs from the core's, ncurses' model is kept in
// step with the core's columns rather than shifting the rest of the row.
void put_cell(int row, int col, const Cell& cell, Rendition r, int cols) {
    static constexpr wchar_t kBlank[] = L" ";
    static constexpr wchar_t kReplacement[] = {0xFFFD, L'\0'};
    if (cell.width == 2 && col + 1 >= cols) {  // cut by a resize race
        put_chars(row, col, kBlank, r);
        return;
    }
    const WideGlyph g = widen(cell.glyph);
    if (g.width == cell.width) {
        put_chars(row, col, g.chars, r);
    } else if (g.width == 1 && cell.width == 2) {
        put_chars(row, col, g.chars, r);
        put_chars(row, col + 1, kBlank, r);
    } else {
        put_chars(row, col, kReplacement, r);
        if (cell.width == 2) put_chars(row, col + 1, kBlank, r);
    }
}

}  // namespace

Terminal::Terminal(bool color, bool mouse) {
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
        throw std::runtime_error("stdin/stdout is not a terminal");
    if (g_terminal_active) throw std::logic_error("only one Terminal may exist at a time");
    g_terminal_active = true;
    try {
        // ncursesw reads and writes multibyte text per LC_CTYPE.
        const char* ctype = std::setlocale(LC_CTYPE, nullptr);
        if (!ctype || std::strcmp(ctype, "C") == 0 || std::strcmp(ctype, "POSIX") == 0)
            std::setlocale(LC_CTYPE, "");

        // ncurses writes to the descriptor, not through stdio: anything still
        // in stdout's buffer would otherwise land in the middle of the screen.
        std::fflush(stdout);

        if (::pipe2(resize_pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
            throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
        g_resize_fd.store(resize_pipe_[1]);
        // Ours before newterm: ncurses installs its own only over SIG_DFL, and
        // its handler would only set a flag that a poll() loop never sees.
        struct sigaction action {};
        action.sa_handler = on_sigwinch;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        if (::sigaction(SIGWINCH, &action, &g_previous_sigwinch) != 0)
            throw std::runtime_error("cannot install the SIGWINCH handler");
        handler_installed_ = true;

        screen_ = newterm(nullptr, stdout, stdin);
        if (!screen_)
            throw std::runtime_error("cannot use this terminal (TERM=" + printable_term() + ")");
        set_term(screen_);
        // A screen needs cursor addressing; on TERM=dumb ncurses would start
        // anyway and draw nonsense.
        const char* cup = tigetstr("cup");
        if (!cup || cup == reinterpret_cast<char*>(-1))
            throw std::runtime_error(
                "this terminal cannot place the cursor (TERM=" + printable_term() + ")");
        raw();
        noecho();
        nonl();
        keypad(stdscr, TRUE);
        set_escdelay(kEscDelayMs);
        intrflush(stdscr, FALSE);
        nodelay(stdscr, TRUE);
        curs_set(1);

        define_key("\033[200~", kPasteBeginCode);
        define_key("\033[201~", kPasteEndCode);
        // Home/End as terminals send them when terminfo names them otherwise;
        // the decoder also reads them raw if ncurses passes them through.
        const struct {
            const char* sequence;
            int code;
        } extra_keys[] = {{"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME},
                          {"\033OH", KEY_HOME},  {"\033[4~", KEY_END},  {"\033[8~", KEY_END},
                          {"\033[F", KEY_END},   {"\033OF", KEY_END}};
        for (const auto& k : extra_keys) {
            if (key_defined(k.sequence) == 0) define_key(k.sequence, k.code);
        }

        if (color && has_colors() && start_color() == OK) {
            color_ = true;
            const short background = use_default_colors() == OK ? -1 : COLOR_BLACK;
            for (short pair = 1; pair < kPairs; ++pair)
                init_pair(pair, kPairForeground[pair], background);
        }
        if (mouse) {
            mouse_ = mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, nullptr) != 0;
            mouseinterval(0);  // report wheel steps at once, no click resolution
        }
        titles_supported_ = term_has_titles();
        // The size comes from the terminal, as take_resize reads it, even if
        // the shell exported LINES/COLUMNS (which ncurses would prefer).
        sync_size();
        width_ = COLS;
        height_ = LINES;

        wnoutrefresh(stdscr);
        doupdate();
        // After ncurses' own set-up, written directly: putp would go through
        // stdio's buffer and arrive late, after a paste may already have come.
        write_all("\033[?2004h");
    } catch (...) {
        restore();
        throw;
    }
}

Terminal::~Terminal() {
    restore();
}

void Terminal::restore() noexcept {
    if (screen_) {
        if (!suspended_) {
            if (mouse_) mousemask(0, nullptr);
            curs_set(1);
            endwin();
        }
        // endwin flushed ncurses' output; these follow it.
        write_all("\033[?2004l");
        if (title_pushed_) write_all("\033[23;0t");
        delscreen(screen_);
        screen_ = nullptr;
    }
    if (handler_installed_) {
        ::sigaction(SIGWINCH, &g_previous_sigwinch, nullptr);
        handler_installed_ = false;
    }
    g_resize_fd.store(-1);
    for (int& fd : resize_pipe_) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    g_terminal_active = false;
}

std::vector<Key> Terminal::read_keys() {
    if (!screen_ || suspended_) return {};
    bool waited = false;
    for (;;) {
        wint_t value = 0;
        const int status = wget_wch(stdscr, &value);
        if (status == ERR) {
            // Nothing more now. A lone ESC or an open paste gets one short wait
            // for more; only input after it (not a hangup) reads on.
            const bool paste = decoder_.in_paste();
            if (!waited && (paste || decoder_.waiting_for_escape()) &&
                input_pending(paste ? kPasteGapMs : kEscDelayMs)) {
                waited = true;
                continue;
            }
            if (paste) {
                decoder_.end_paste();
            } else {
                decoder_.flush();
            }
            break;
        }
        waited = false;
        if (status == KEY_CODE_YES && static_cast<int>(value) == KEY_MOUSE) {
            MEVENT event{};
            if (getmouse(&event) == OK) {
                if (event.bstate & BUTTON4_PRESSED) {
                    decoder_.feed_wheel(true);
                } else if (event.bstate & BUTTON5_PRESSED) {
                    decoder_.feed_wheel(false);
                }
            }
            continue;
        }
        decoder_.feed(status, value);
    }
    return decoder_.take();
}

bool Terminal::take_resize() {
    char buffer[64];
    while (::read(resize_pipe_[0], buffer, sizeof buffer) > 0) {
    }
    if (!screen_ || suspended_) return false;
    sync_size();
    // Against the size last reported, not ncurses': it may have changed that
    // itself (on resume) without the caller hearing of it.
    if (COLS == width_ && LINES == height_) return false;
    width_ = COLS;
    height_ = LINES;
    return true;
}

bool Terminal::sync_size() {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0)
        return false;
    if (size.ws_row == LINES && size.ws_col == COLS) return false;
    resizeterm(size.ws_row, size.ws_col);
    // Terminals reflow or keep old content differently on resize: repaint all.
    clearok(curscr, TRUE);
    return true;
}

void Terminal::draw(const Screen& screen) {
    if (!screen_ || suspended_) return;
    const int rows = std::min(screen.height(), LINES);
    const int cols = std::min(screen.width(), COLS);
    for (int row = 0; row < rows; ++row) {
        for (int col = 0; col < cols;) {
            const Style style = screen.at(row, col).style;
            const Rendition r = rendition(style, color_);
            for (; col < cols && screen.at(row, col).style == style; ++col) {
                const Cell& cell = screen.at(row, col);
                if (cell.width == 0) {
                    // The right half of a wide character is drawn with it; a
                    // stray one is a blank so the row stays aligned.
                    if (col == 0 || screen.at(row, col - 1).width != 2)
                        put_cell(row, col, {}, r, cols);
                    continue;
                }
                put_cell(row, col, cell, r, cols);
            }
        }
        if (cols < COLS) {
            wattr_set(stdscr, A_NORMAL, 0, nullptr);
            wmove(stdscr, row, std::max(cols, 0));
            wclrtoeol(stdscr);
        }
    }
    if (rows < LINES) {
        wattr_set(stdscr, A_NORMAL, 0, nullptr);
        wmove(stdscr, std::max(rows, 0), 0);
        wclrtobot(stdscr);
    }

    const bool show_cursor = screen.cursor_visible && screen.cursor_row >= 0 &&
                             screen.cursor_row < rows && screen.cursor_col >= 0 &&
                             screen.cursor_col < cols;
    if (show_cursor) wmove(stdscr, screen.cursor_row, screen.cursor_col);
    if (show_cursor != cursor_visible_) {
        curs_set(show_cursor ? 1 : 0);
        cursor_visible_ = show_cursor;
    }
    wnoutrefresh(stdscr);
    doupdate();
    set_title(screen.title);
}

void Terminal::set_title(const std::string& title) {
    if (!titles_supported_ || title == title_) return;
    title_ = title;
    std::string out;
    if (!title_pushed_) {
        out += "\033[22;0t";  // save the user's title; restore() pops it
        title_pushed_ = true;
    }
    out += "\033]0;" + clean_title(title) + "\007";
    // Directly, not via putp, which would act on "$<...>" in the title.
    write_all(out);
}

void Terminal::suspend() {
    if (!screen_ || suspended_) return;
    curs_set(1);
    cursor_visible_ = true;
    endwin();
    write_all("\033[?2004l");
    suspended_ = true;
}

void Terminal::resume() {
    if (!screen_ || !suspended_) return;
    suspended_ = false;
    write_all("\033[?2004h");
    clearok(curscr, TRUE);
    wnoutrefresh(stdscr);
    doupdate();
    // That doupdate re-read the size ncurses' way (LINES/COLUMNS first); put
    // the terminal's back and have the loop lay out again if it changed.
    if (sync_size()) doupdate();
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(resize_pipe_[1], &byte, 1);
}

}  // namespace mqchat::tui
