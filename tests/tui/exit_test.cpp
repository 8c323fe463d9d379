// Leaving the TUI: /quit and Ctrl-C end mqchat with status 0 and hand back a
// terminal in its normal modes, so a plain shell (dash, which does no line
// editing of its own and relies on the tty) reads and echoes a command.
#include "tui_fixture.hpp"

namespace tuitest {
namespace {

// After mqchat: its exit status, then an interactive /bin/sh.
Start with_shell_after() {
    Start start;
    start.after = "exec /bin/sh -i";
    return start;
}

// The shell after mqchat works: typed text is echoed, Enter ends the line.
void expect_a_working_shell(const Tmux& tui) {
    // The prompt, "$ " (a capture drops the trailing blank).
    ASSERT_TRUE(tui.wait_for([](const ScreenRows& rows) { return contains(rows, "$"); }))
        << tui.screen();
    tui.type("echo o''k");
    // Echoed as typed: the tty echoes again (no -echo left behind).
    ASSERT_TRUE(tui.wait_for_text("$ echo o''k")) << tui.screen();
    tui.keys({"Enter"});
    // A row that is just "ok": the shell got a whole line (icrnl is back on)
    // and its output starts at the left edge (onlcr too).
    ASSERT_TRUE(tui.wait_for([](const ScreenRows& rows) {
        for (const auto& row : rows)
            if (row == "ok") return true;
        return false;
    })) << tui.screen();
    // No mode of the TUI left on: alternate screen, keypad, mouse reports,
    // a hidden cursor...
    EXPECT_EQ(tui.display("#{alternate_on}"), "0");
    EXPECT_EQ(tui.display("#{keypad_cursor_flag}"), "0");
    EXPECT_EQ(tui.display("#{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag}"), "000");
    EXPECT_EQ(tui.display("#{cursor_flag}"), "1");
    // ... nor bracketed paste: a paste reaches the shell as plain text (with
    // the markers, dash would look for a command named "^[[200~echo").
    tui.paste("echo p''asted\n");
    ASSERT_TRUE(tui.wait_for([](const ScreenRows& rows) {
        for (const auto& row : rows)
            if (row == "pasted") return true;
        return false;
    })) << tui.screen();
}

TEST(TuiExit, SlashQuitLeavesACleanShell) {
    World world;
    const auto tui = world.open(with_shell_after());
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    tui->type("/quit");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for_text("EXIT=0")) << tui->screen();
    expect_a_working_shell(*tui);
}

TEST(TuiExit, CtrlCLeavesACleanShell) {
    World world;
    const auto tui = world.open(with_shell_after());
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    tui->keys({"C-c"});
    ASSERT_TRUE(tui->wait_for_text("EXIT=0")) << tui->screen();
    expect_a_working_shell(*tui);
}

}  // namespace
}  // namespace tuitest
