// The TUI suites' world: the real stack (mqchatd + Mosquitto + plugin) with
// alice and bob, each logged in with `mqchat login` into a state dir of their
// own, and alice's interactive `mqchat ROOM` running in a private tmux.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/stack.hpp"
#include "support/tmux.hpp"

namespace tuitest {

using namespace testsupport;
using nlohmann::json;

// The binary under test: the build's own, or $MQCHAT_TEST_BIN.
inline std::string mqchat_bin() {
    const char* override_bin = std::getenv("MQCHAT_TEST_BIN");
    return override_bin && *override_bin ? override_bin : MQCHAT_BIN;
}

// One person's mqchat: XDG state and config dirs of their own, logged in.
class Person {
  public:
    Person(const Stack& stack, const std::string& email, const std::string& password);
    std::vector<std::string> env() const;  // XDG_STATE_HOME=..., XDG_CONFIG_HOME=...
    RunResult mqchat(std::vector<std::string> args, const std::string& input = "") const;

  private:
    TempDir home_;
};

// How alice's TUI starts.
struct Start {
    std::string room = "general";
    int width = 80;
    int height = 24;
    std::vector<std::string> env;      // extra NAME=VALUE (NO_COLOR=1)
    std::string after = "sleep 3600";  // what the pane's shell does once mqchat ended
};

class World {
  public:
    World();

    // alice's `mqchat ROOM` in tmux: `mqchat ROOM; echo "EXIT=$?"; AFTER`.
    std::unique_ptr<Tmux> open(const Start& start = {}) const;
    // bob's `mqchat ROOM --send TEXT`, which must succeed.
    void bob_says(const std::string& text, const std::string& room = "general") const;
    // bob's `mqchat ROOM --send -` of many lines.
    void bob_sends_lines(const std::string& lines, const std::string& room = "general") const;
    // The archive (GET /api/rooms/ROOM/messages?limit=N, as bob), oldest first.
    json history(const std::string& room = "general", int limit = 500) const;
    // Polls the archive until a message with this text is in it.
    bool wait_archived(const std::string& text, const std::string& room = "general") const;
    // Polls the archive until it holds at least `n` messages.
    bool wait_archived_count(std::size_t n, const std::string& room = "general") const;

    Stack stack;
    const std::string alice_id;
    const std::string bob_id;
    const Person alice;
    const Person bob;
};

// The pane's shell has a child process named mqchat (it has not ended).
bool runs_mqchat(const Tmux& tui);

// --- reading screens

bool contains(const ScreenRows& rows, const std::string& needle);
// Index of the first row holding `needle`, or -1.
int row_of(const ScreenRows& rows, const std::string& needle);
// The status line (second-to-last row) and the input line (last row).
const std::string& status_row(const ScreenRows& rows);
const std::string& input_row(const ScreenRows& rows);
// Header names the room, its history is loaded and the link is up: keys
// typed now reach a live session.
bool ready(const ScreenRows& rows, const std::string& room = "general");

// A capture-pane -e screen read back: per row the text and each byte's
// foreground colour (-1: the default) and boldness, plus every escape
// sequence that is not SGR.
struct StyledRow {
    std::string text;
    std::vector<int> fg;
    std::vector<bool> bold;
    // Every byte of the first `needle` in the row is bold (false when absent).
    bool is_bold(const std::string& needle) const;
};
struct StyledScreen {
    std::vector<StyledRow> rows;
    std::vector<std::string> sgr;  // the parameter strings of every SGR
    std::vector<std::string> other_escapes;
};
StyledScreen parse_escapes(const std::string& captured);
// SGR parameters that set a foreground or background colour (30-38, 40-48,
// 90-97, 100-107), as they appeared ("38;5;3").
std::vector<std::string> colour_sgr(const StyledScreen& screen);

}  // namespace tuitest
