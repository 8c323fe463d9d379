// The TUI when things go wrong: the broker dies and comes back (mqchatd
// restarts it), and a token holder publishes bytes meant to take over the
// terminal.
#include <signal.h>

#include <regex>

#include "tui_fixture.hpp"

namespace tuitest {
namespace {

// The status line with the token's remaining lifetime (which may tick
// between two captures) taken out.
std::string without_token_time(const std::string& status) {
    return std::regex_replace(status, std::regex(R"(token \d+[smh])"), "token N");
}

TEST(TuiReconnect, BrokerRestartShowsReconnectingThenConnectedAndMessagesFlowAgain) {
    World world;
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    const auto broker = world.stack.broker_pid();
    ASSERT_TRUE(broker.has_value());
    ASSERT_EQ(::kill(*broker, SIGKILL), 0);

    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return status_row(r).find("reconnecting") != std::string::npos;
    })) << tui->screen();
    // mqchatd restarts the broker after a backoff and the client retries
    // with its own: allow for both.
    ASSERT_TRUE(tui->wait_for(
        [](const ScreenRows& r) { return status_row(r).find("● connected") != std::string::npos; },
        60s))
        << tui->screen() << world.stack.log();
    const auto second = world.stack.broker_pid();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(*second, *broker);

    world.bob_says("after the restart");
    ASSERT_TRUE(tui->wait_for_text("after the restart")) << tui->screen();
    tui->type("still sending");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for_text("still sending ✓")) << tui->screen();
}

// Every trick at once: erase display, set the title, set the clipboard
// (OSC 52 of "PWNED-CLIP"), colour, C1 controls as UTF-8 (CSI, NEL, OSC,
// ST), bidi overrides and isolates, a carriage return, 500 combining marks.
std::string hostile_text() {
    std::string text =
        "EVIL-START \x1b[2J\x1b]0;PWNED-TITLE\x07\x1b]52;c;UFdORUQtQ0xJUA==\x07"
        "\x1b[31mREDTEXT\x1b[0m C1:\u009b31m\u0085\u009d2;PWNED-C1\u009c "
        "BIDI:\u202eTXET\u202c \u2066iso\u2069 LINE1\r\nLINE2 e";
    for (int i = 0; i < 500; ++i)
        text += "\u0301";
    return text + " AFTERMARKS EVIL-END";
}

// Code points that must never reach the screen: C1 controls, bidi controls.
bool has_forbidden_code_point(const std::string& text) {
    for (const std::string& bad :
         {std::string("\u0085"), std::string("\u009b"), std::string("\u009c"),
          std::string("\u009d"), std::string("\u202a"), std::string("\u202b"),
          std::string("\u202c"), std::string("\u202d"), std::string("\u202e"),
          std::string("\u2066"), std::string("\u2067"), std::string("\u2068"),
          std::string("\u2069")})
        if (text.find(bad) != std::string::npos) return true;
    return false;
}

TEST(TuiHostile, EscapeSequencesInAMessageCannotTouchTheScreen) {
    World world;
    world.bob_says("an innocent first line");
    world.bob_says("an innocent second line");
    ASSERT_TRUE(world.wait_archived("an innocent second line"));
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && contains(r, "an innocent second line");
    })) << tui->screen();
    tui->type("my draft");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return input_row(r) == "> my draft"; }))
        << tui->screen();
    const ScreenRows before = tui->rows();

    // bob holds a valid token and publishes straight to the room's topic.
    const std::string session = world.stack.session("bob@example.com", "bob-password");
    const std::string token = world.stack.token(session).at("accessToken");
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string payload = json{
        {"id", "01JDXSS0000000000000000001"},
        {"user", world.bob_id},
        {"name", "Bob"},
        {"text", hostile_text()},
        {"timestamp", now_ms}}.dump();
    auto r = publish_as(world.stack.mqtt_port(), world.bob_id, token, world.bob_id + "-x",
                        "chat/general/messages", payload);
    ASSERT_EQ(r.status, 0) << r.err;
    // The same as raw 8-bit C1 bytes (not UTF-8): whatever the stack makes of
    // it, the screen must survive it too.
    const std::string raw = R"({"id":"01JDXSS0000000000000000002","user":")" + world.bob_id +
                            R"(","name":"Bob","text":"RAW8BIT )" + "\x9b" + "2J \x9d" +
                            "0;PWNED-RAW\x9c" + R"( END8BIT","timestamp":)" +
                            std::to_string(now_ms + 1) + "}";
    publish_as(world.stack.mqtt_port(), world.bob_id, token, world.bob_id + "-y",
               "chat/general/messages", raw);
    world.bob_says("after the hostile ones");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& rows) {
        return contains(rows, "after the hostile ones") && contains(rows, "EVIL-END");
    })) << tui->screen();
    const ScreenRows after = tui->rows();
    const std::string screen = tui->screen();

    // Header, status and input line exactly as they were.
    EXPECT_EQ(after[0], before[0]) << screen;
    EXPECT_EQ(without_token_time(status_row(after)), without_token_time(status_row(before)))
        << screen;
    EXPECT_EQ(input_row(after), "> my draft") << screen;
    // The messages above it unchanged, in order, right above it.
    const int first = row_of(after, "an innocent first line");
    const int second = row_of(after, "an innocent second line");
    const int evil = row_of(after, "EVIL-START");
    ASSERT_NE(first, -1) << screen;
    ASSERT_NE(evil, -1) << screen;
    EXPECT_EQ(after[static_cast<std::size_t>(first)],
              before[static_cast<std::size_t>(row_of(before, "an innocent first line"))])
        << screen;
    EXPECT_EQ(after[static_cast<std::size_t>(second)],
              before[static_cast<std::size_t>(row_of(before, "an innocent second line"))])
        << screen;
    EXPECT_EQ(second, first + 1) << screen;
    EXPECT_EQ(evil, second + 1) << screen;
    // It is a message from bob like any other: clock, name, text.
    EXPECT_TRUE(std::regex_search(after[static_cast<std::size_t>(evil)],
                                  std::regex(R"(^\d\d:\d\d Bob +EVIL-START)")))
        << screen;
    for (const char* shown : {"REDTEXT", "LINE1", "LINE2", "AFTERMARKS", "EVIL-END"})
        EXPECT_TRUE(contains(after, shown)) << shown << screen;
    EXPECT_LT(row_of(after, "EVIL-END"), row_of(after, "after the hostile ones")) << screen;
    EXPECT_TRUE(
        std::regex_search(after[static_cast<std::size_t>(row_of(after, "after the hostile ones"))],
                          std::regex(R"(^\d\d:\d\d Bob +after the hostile ones$)")))
        << screen;
    EXPECT_FALSE(has_forbidden_code_point(tui->text())) << screen;

    // No sequence got through to tmux: no title, no clipboard, no colour on
    // the text, nothing but SGR in the rendition.
    EXPECT_EQ(tui->display("#{pane_title}").find("PWNED"), std::string::npos)
        << tui->display("#{pane_title}");
    const std::string buffers = tui->command({"list-buffers"});
    EXPECT_EQ(buffers.find("PWNED"), std::string::npos) << buffers;
    const std::string captured = tui->with_escapes();
    EXPECT_EQ(captured.find("\x1b]"), std::string::npos) << captured;
    EXPECT_EQ(captured.find("\x1b[2J"), std::string::npos) << captured;
    const StyledScreen styled = parse_escapes(captured);
    EXPECT_EQ(styled.other_escapes, std::vector<std::string>{}) << captured;
    for (const auto& row : styled.rows) {
        const auto at = row.text.find("REDTEXT");
        if (at == std::string::npos) continue;
        EXPECT_EQ(row.fg[at], -1) << "REDTEXT is coloured: " << captured;
    }
}

}  // namespace
}  // namespace tuitest
