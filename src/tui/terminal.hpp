// The terminal while the chat screen owns it: ncurses set-up and restore,
// SIGWINCH as a file descriptor, key input, and copying a core Screen out.
// One thread owns it (ncurses is not thread-safe); at most one exists at a time.
#pragma once

#include <string>
#include <vector>

#include "core/key.hpp"
#include "core/screen.hpp"
#include "tui/display.hpp"
#include "tui/key_decoder.hpp"

struct screen;  // ncurses' SCREEN, opaque so that only terminal.cpp sees curses.h

namespace mqchat::tui {

class Terminal final : public Display {
  public:
    // Takes over the terminal on stdin/stdout. Throws std::runtime_error when
    // they are not a terminal or TERM is unusable, leaving everything as it was.
    // `color` false (NO_COLOR, --no-color) renders styles with attributes only;
    // `mouse` false leaves the terminal's own mouse selection alone.
    explicit Terminal(bool color, bool mouse = true);
    // Restores the terminal as it was; safe during unwinding from an exception.
    ~Terminal() override;
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    int input_fd() const override { return 0; }
    // Readable after a SIGWINCH, whichever thread received it; call take_resize.
    int resize_fd() const override { return resize_pipe_[0]; }

    // Everything typed so far, without blocking, except that a lone ESC or a
    // paste still in flight is waited for briefly (the escape delay; a short
    // pause in a paste) so Escape, Alt-x and a paste are told apart.
    std::vector<Key> read_keys() override;

    // Drains resize_fd, reads the terminal size and resizes ncurses. True when
    // the size changed since last reported (lay the screen out again at
    // width() x height()).
    bool take_resize() override;
    int width() const override { return width_; }
    int height() const override { return height_; }

    // Copies the screen out: one terminal write of what changed. A screen of
    // another size (a resize raced) is clipped to the terminal.
    void draw(const Screen& screen) override;

    // Hands the terminal back to the shell for a while (e.g. for an editor),
    // and takes it again, repainting the last frame; a resize meanwhile is
    // reported by resize_fd as usual.
    void suspend() override;
    void resume() override;

  private:
    void restore() noexcept;
    bool sync_size();
    void set_title(const std::string& title);

    ::screen* screen_ = nullptr;
    int resize_pipe_[2] = {-1, -1};
    bool handler_installed_ = false;
    int width_ = 0;  // the size last reported to the caller
    int height_ = 0;
    bool color_ = false;
    bool mouse_ = false;
    bool suspended_ = false;
    bool cursor_visible_ = true;
    bool titles_supported_ = false;
    bool title_pushed_ = false;
    std::string title_;
    KeyDecoder decoder_;
};

}  // namespace mqchat::tui
