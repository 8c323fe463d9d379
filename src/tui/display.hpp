// What the chat loop needs of a terminal, without ncurses: the real Terminal
// implements it, and headless tests hand the loop a fake that records frames.
#pragma once

#include <vector>

#include "core/key.hpp"
#include "core/screen.hpp"

namespace mqchat::tui {

class Display {
  public:
    virtual ~Display() = default;
    virtual int input_fd() const = 0;   // readable when keys are waiting
    virtual int resize_fd() const = 0;  // readable after a resize
    virtual std::vector<Key> read_keys() = 0;
    // True when the size changed since last reported.
    virtual bool take_resize() = 0;
    virtual int width() const = 0;
    virtual int height() const = 0;
    virtual void draw(const Screen& screen) = 0;
    // Hands the terminal back for a moment and takes it again (a full repaint).
    virtual void suspend() = 0;
    virtual void resume() = 0;
};

}  // namespace mqchat::tui
