// A private tmux server for driving a full-screen program like a user would:
// its own socket in a temp dir (never the user's tmux), no user config, an
// explicit environment, one detached session of a fixed size. Keys go in with
// send-keys and paste-buffer; the screen comes out with capture-pane.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace testsupport {

// How long a screen may take to show what a test waits for. Generous: tests
// poll until the text is there and never assert on how fast it came.
inline constexpr auto kScreenDeadline = std::chrono::milliseconds(20s);

struct TmuxOptions {
    int width = 80;
    int height = 24;
    // NAME=VALUE: the whole environment of the tmux server and so of the pane
    // (besides PATH, HOME and LANG=C.UTF-8, which are always set; entries here
    // win). TERM in the pane is tmux-256color.
    std::vector<std::string> env;
};

// One row per line of the pane, trailing blanks trimmed (capture-pane -p).
using ScreenRows = std::vector<std::string>;

class Tmux {
  public:
    // Starts the server and a session running `shell_command` with /bin/sh -c.
    explicit Tmux(const std::string& shell_command, TmuxOptions options = {});
    ~Tmux();  // kill-server: the pane's processes get SIGHUP
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;

    // --- the screen
    ScreenRows rows() const;           // capture-pane -p, padded to the pane's height
    std::string text() const;          // the same rows joined with '\n'
    std::string with_escapes() const;  // capture-pane -p -e: SGR included
    std::string display(const std::string& format) const;  // display-message -p FORMAT

    // Polls the screen until `pred` holds or the deadline passes. The last
    // screen seen is kept for failure messages (screen()).
    bool wait_for(const std::function<bool(const ScreenRows&)>& pred,
                  std::chrono::milliseconds deadline = kScreenDeadline) const;
    bool wait_for_text(const std::string& needle,
                       std::chrono::milliseconds deadline = kScreenDeadline) const;
    // The last screen a wait looked at (or a fresh one), framed for a failure message.
    std::string screen() const;

    // --- input
    void keys(
        const std::vector<std::string>& names) const;  // send-keys NAME... (Enter, PPage, M-1)
    void type(const std::string& text) const;          // send-keys -l TEXT
    void paste(const std::string& text) const;         // set-buffer + paste-buffer -p (bracketed)
    void resize(int width, int height) const;          // resize-window

    // Any tmux command against this server; throws when it fails.
    std::string command(std::vector<std::string> args) const;
    const std::string& target() const { return target_; }

  private:
    RunResult run_tmux(std::vector<std::string> args) const;
    std::vector<std::string> env_;
    TempDir dir_;
    std::string socket_;
    std::string config_;
    std::string target_ = "tui";
    mutable ScreenRows last_;
};

// Single-quoted for /bin/sh.
std::string shell_quote(const std::string& word);

}  // namespace testsupport
