// The chat screen's layout as golden screens: message rows (time, nick,
// wrapped text, delivery marks), wide characters, hostile text, narrow
// terminals, the unread divider, header and status line, scrolling, styles and
// what the layout reports back to the model.
#include "core/chat_layout.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/unicode_width.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kT0 = 1732441260000;  // 2024-11-24T09:41:00Z (tests run with TZ=UTC)
constexpr std::int64_t kNow = kT0 + 10 * kMinute;

// A raw string literal starting on the line after R"( holds a screen.
std::string golden(std::string_view text) {
    if (text.starts_with('\n')) text.remove_prefix(1);
    return std::string(text);
}

#define EXPECT_SCREEN(screen, expected) \
    EXPECT_EQ((screen).text(), golden(expected)) << "actual screen:\n" << (screen).text()

ChatSettings settings() {
    ChatSettings s;
    s.user_id = "alice";
    s.user_name = "Alice";
    s.server_label = "alice@127.0.0.1:8080";
    return s;
}

Message msg(const std::string& id, const std::string& user, const std::string& text,
            std::int64_t ts, const std::string& name = {}) {
    Message m;
    m.id = id;
    m.user = user;
    m.name = name;
    m.text = text;
    m.timestamp = ts;
    return m;
}

// Rows of a screen, for checks of single rows.
std::vector<std::string> rows_of(const Screen& s) {
    std::vector<std::string> rows;
    const std::string text = s.text();
    for (std::size_t start = 0; start < text.size();) {
        const auto end = text.find('\n', start);
        rows.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return rows;
}

// The column where `needle` starts in row `r`, or -1.
int column_of(const Screen& s, int r, std::string_view needle) {
    for (int c = 0; c < s.width(); ++c) {
        std::string run;
        for (int k = c; k < s.width() && run.size() < needle.size(); ++k) {
            if (s.at(r, k).width == 0) continue;
            run += s.at(r, k).glyph.empty() ? std::string(" ") : s.at(r, k).glyph;
        }
        if (run.starts_with(needle)) return c;
    }
    return -1;
}

// Every cell holds printable text only, and wide cells are whole.
void expect_safe_cells(const Screen& s) {
    for (int r = 0; r < s.height(); ++r) {
        for (int c = 0; c < s.width(); ++c) {
            const Cell& cell = s.at(r, c);
            const std::string problem = test_support::terminal_safety_problem(cell.glyph);
            EXPECT_TRUE(problem.empty()) << "row " << r << " col " << c << ": " << problem;
            for (const unsigned char b : cell.glyph)
                EXPECT_FALSE(b < 0x20 || b == 0x7F) << "row " << r << " col " << c;
            if (cell.width == 2) {
                ASSERT_LT(c + 1, s.width()) << "wide cell at the last column, row " << r;
                EXPECT_EQ(s.at(r, c + 1).width, 0) << "row " << r << " col " << c;
                EXPECT_EQ(unicode::display_width(cell.glyph), 2U) << "row " << r << " col " << c;
            } else if (cell.width == 0) {
                ASSERT_GT(c, 0);
                EXPECT_EQ(s.at(r, c - 1).width, 2) << "row " << r << " col " << c;
                EXPECT_TRUE(cell.glyph.empty());
            } else {
                EXPECT_LE(unicode::display_width(cell.glyph), 1U) << "row " << r << " col " << c;
            }
        }
    }
}

class ChatLayoutTest : public ::testing::Test {
  protected:
    // One frame, as the app draws it: layout, then the report to the model.
    Screen draw(int width, int height, std::int64_t now = kNow) {
        Screen s = layout_chat(model, width, height, now, report);
        actions = model.after_layout(report);
        return s;
    }
    void history(std::vector<Message> page) {
        model.on_history(model.current().name, ChatModel::Page::initial, std::move(page), 50);
    }
    std::vector<Action> key(const Key& k, std::int64_t at = kNow) { return model.on_key(k, at); }
    std::vector<Action> say(const std::string& text, std::int64_t at) {
        model.on_key(Key::typed(text), at);
        return model.on_key(Key::of(Key::Kind::enter), at);
    }

    ChatModel model{settings(), "general", UlidGenerator::seeded(7)};
    LayoutReport report;
    std::vector<Action> actions;  // from the last frame's after_layout
};

// --- message rows

TEST_F(ChatLayoutTest, ARoomWithMessages) {
    model.on_link(LinkState::connected);
    history({
        msg("01", "bob", "hi all", kT0),
        msg("02", "bart", "my name is too long for the column", kT0 + kMinute,
            "Bartholomew-the-Great"),
        msg("03", "carol",
            "a long message that goes on and on until it has to wrap onto a second row and "
            "even a third one, every continuation indented under the text column as it should be",
            kT0 + 2 * kMinute),
    });
    const auto sent = say("on my way", kT0 + 3 * kMinute);
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_SCREEN(draw(80, 12), R"(
 #general                                                  alice@127.0.0.1:8080



09:41 bob        hi all
09:42 Bartholom… my name is too long for the column
09:43 carol      a long message that goes on and on until it has to wrap onto a
                 second row and even a third one, every continuation indented
                 under the text column as it should be
09:44 Alice      on my way …
 [1 general]                                            ● connected · 1 pending
>
)");

    model.on_published(sent[0].message_id);
    EXPECT_SCREEN(draw(80, 12), R"(
 #general                                                  alice@127.0.0.1:8080



09:41 bob        hi all
09:42 Bartholom… my name is too long for the column
09:43 carol      a long message that goes on and on until it has to wrap onto a
                 second row and even a third one, every continuation indented
                 under the text column as it should be
09:44 Alice      on my way ✓
 [1 general]                                                        ● connected
>
)");
}

TEST_F(ChatLayoutTest, AFailedSend) {
    model.on_link(LinkState::connected);
    history({msg("01", "bob", "try sending something", kT0)});
    const auto sent = say("this will not get through", kT0 + kMinute);
    ASSERT_EQ(sent.size(), 1U);
    model.on_publish_failed(sent[0].message_id, "not authorized for this room", kT0 + kMinute);
    EXPECT_SCREEN(draw(80, 8), R"(
 #general                                                  alice@127.0.0.1:8080


09:41 bob        try sending something
09:42 Alice      this will not get through ✗ not sent
09:42 --         not sent: not authorized for this room
 [1 general]                                                        ● connected
>
)");
}

TEST_F(ChatLayoutTest, MeLinesAndNotices) {
    model.on_link(LinkState::connected);
    Message me = msg("01", "bob", "waves at everyone", kT0);
    me.kind = MessageKind::me;
    history({me, msg("02", "carol", "hi bob", kT0 + kMinute)});
    say("/me waves back", kT0 + 2 * kMinute);
    say("/frob", kT0 + 3 * kMinute);
    model.on_link(LinkState::connected, 0, "connected again");  // a notice without a time
    EXPECT_SCREEN(draw(80, 10), R"(
 #general                                                  alice@127.0.0.1:8080


09:41          * bob waves at everyone
09:42 carol      hi bob
09:43          * Alice waves back …
09:44 --         unknown command /frob (try /help)
      --         connected again
 [1 general]                                            ● connected · 1 pending
>
)");
}

TEST_F(ChatLayoutTest, WideCharactersWrapWithoutSplitting) {
    model.on_link(LinkState::connected);
    history({
        msg("01", "ken", "日本語のテキストはここで折り返します", kT0),
        msg("02", "ken", "ab日本語日本語日本語", kT0 + kMinute),
        msg("03", "emo", "😀😀😀😀😀😀😀😀😀😀😀", kT0 + 2 * kMinute),
    });
    const Screen s = draw(30, 10);
    EXPECT_SCREEN(s, R"(
 #general

09:41 ken  日本語のテキストは
           ここで折り返します
09:42 ken  ab日本語日本語日本
           語
09:43 emo  😀😀😀😀😀😀😀😀😀
           😀😀
 [1 general]      ● connected
>
)");
    // Each first row ends one column short: the next wide character did not fit.
    EXPECT_EQ(s.at(2, 29), Cell{});
    EXPECT_EQ(s.at(4, 29), Cell{});
    expect_safe_cells(s);
}

// A mark that does not fit after the text gets a row of its own, whole and
// in its own style, rather than being wrapped like words.
TEST_F(ChatLayoutTest, DeliveryMarkOnARowOfItsOwn) {
    model.on_link(LinkState::connected);
    history({});
    const std::string text = "this message fills the text column right up to its very edge";
    ASSERT_EQ(text.size(), 60U);  // the column is 63 wide
    const auto sent = say(text, kT0);
    ASSERT_EQ(sent.size(), 1U);
    model.on_publish_failed(sent[0].message_id, "quota", kT0);
    const Screen s = draw(80, 7);
    EXPECT_SCREEN(s, R"(
 #general                                                  alice@127.0.0.1:8080

09:41 Alice      this message fills the text column right up to its very edge
                 ✗ not sent
09:41 --         not sent: quota
 [1 general]                                                        ● connected
>
)");
    for (int c = 17; c < 27; ++c)
        EXPECT_EQ(s.at(3, c).style, (Style{Color::error, true})) << c;
}

// --- hostile text

TEST_F(ChatLayoutTest, HostileTextIsShownInert) {
    model.on_link(LinkState::connected);
    history({
        msg("01", "bob", "before", kT0),
        msg("02", "eve", "clear\x1b[2Jscreen", kT0),
        msg("03", "eve", "copy\x1b]52;c;ZXZpbA==\x07paste", kT0),
        msg("04", "eve",
            "c1\xc2\x9b"
            "31mcsi\xc2\x85nel",
            kT0),
        msg("05", "eve",
            "abc\u202e"
            "fed",
            kT0),
        msg("06", "eve\x1b[31m\r\n", "line one\r\nline two", kT0, "e\x1b]0;t\x07ve\r\n"),
        msg("07", "bob", "after", kT0),
    });
    const Screen s = draw(80, 12);
    EXPECT_SCREEN(s, R"(
 #general                                                  alice@127.0.0.1:8080

09:41 bob        before
09:41 eve        clearscreen
09:41 eve        copypaste
09:41 eve        c1csinel
09:41 eve        abcfed
09:41 eve ⏎      line one
                 line two
09:41 bob        after
 [1 general]                                                        ● connected
>
)");
    expect_safe_cells(s);
    EXPECT_EQ(s.title, "mqchat: #general");
}

// Hostile bytes in the server label and a pasted line end up inert too.
TEST(ChatLayoutHostile, ServerLabelAndPastedInput) {
    ChatSettings s = settings();
    s.server_label = "evil\x1b]0;title\x07@host\x1b[2J";
    ChatModel model(s, "general", UlidGenerator::seeded(1));
    model.on_key(Key::pasted("\x1b[31mred\x1b[0m \u202eevil\xc2\x9b"
                             "2J\n"),
                 kNow);
    LayoutReport report;
    const Screen screen = layout_chat(model, 40, 4, kNow, report);
    EXPECT_SCREEN(screen, R"(
 #general  loading history…   evil@host

 [1 general]               ○ connecting
> red evil
)");
    expect_safe_cells(screen);
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

// Whatever a message holds, it changes its own rows only: the header, status
// and input line and the messages around it look as they do without it.
TEST(ChatLayoutHostile, OnlyItsOwnRowsChange) {
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"erase display", "\x1b[2J\x1b[H\x1b[3Jgone"},
        {"osc 52", "\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07"},
        {"c1 controls",
         "\xc2\x9b"
         "2J\xc2\x9d"
         "0;title\xc2\x9c\xc2\x85\xc2\x8d"},
        {"bidi override",
         "\u202e"
         "txt.exe\u202c"},
        {"10,000 characters", repeat("x", 10000)},
        {"10,000 wide characters", repeat("語", 10000)},
        {"500 combining marks", "Z" + repeat("\xcc\x81", 500) + "!"},
        {"carriage return and newline", "one\r\ntwo\rthree\n"},
        {"invalid utf-8", "\xff\xfe\xc0\xaf\xed\xa0\x80"},
        {"tabs and backspaces", "a\tb\b\b\bc\x7f"},
    };
    const auto build = [](const std::string* hostile) {
        ChatModel model(settings(), "general", UlidGenerator::seeded(1));
        model.on_link(LinkState::connected);
        std::vector<Message> page = {msg("01", "bob", "before", kT0)};
        if (hostile) page.push_back(msg("02", "eve", *hostile, kT0, *hostile));
        page.push_back(msg("03", "bob", "after", kT0));
        model.on_history("general", ChatModel::Page::initial, std::move(page), 50);
        return model;
    };
    ChatModel plain = build(nullptr);
    LayoutReport report;
    const Screen base = layout_chat(plain, 80, 12, kNow, report);
    const auto base_rows = rows_of(base);
    for (const auto& [name, text] : cases) {
        SCOPED_TRACE(name);
        ChatModel model = build(&text);
        const Screen s = layout_chat(model, 80, 12, kNow, report);
        expect_safe_cells(s);
        const auto rows = rows_of(s);
        ASSERT_EQ(rows.size(), 12U);
        EXPECT_EQ(rows[0], base_rows[0]);    // header
        EXPECT_EQ(rows[9], base_rows[9]);    // "after", the newest message
        EXPECT_EQ(rows[10], base_rows[10]);  // status
        EXPECT_EQ(rows[11], base_rows[11]);  // input
        EXPECT_EQ(s.title, base.title);
        EXPECT_EQ(s.cursor_row, 11);
        EXPECT_EQ(s.cursor_col, 2);
        // Its rows start under the time and nick columns or the text column.
        int first = 1;
        while (first < 9 && rows[static_cast<std::size_t>(first)] != "09:41 bob        before")
            ++first;
        if (first < 9) {
            EXPECT_TRUE(rows[static_cast<std::size_t>(first) + 1].starts_with("09:41"))
                << rows[static_cast<std::size_t>(first) + 1];
        }
        for (int r = first + 2; r < 9; ++r)
            EXPECT_TRUE(rows[static_cast<std::size_t>(r)].starts_with(std::string(17, ' ')))
                << "row " << r << ": " << rows[static_cast<std::size_t>(r)];
    }
}

// --- narrow terminals

class ChatLayoutNarrow : public ChatLayoutTest {
  protected:
    void SetUp() override {
        model.on_link(LinkState::connected);
        history({
            msg("01", "bob", "hi all", kT0),
            msg("02", "bart", "a name too long", kT0 + kMinute, "Bartholomew"),
            msg("03", "carol", "a longer message that has to wrap at narrow widths",
                kT0 + 2 * kMinute),
        });
        say("/me nods", kT0 + 3 * kMinute);
        model.on_key(Key::typed("draft"), kNow);
    }
};

TEST_F(ChatLayoutNarrow, FortyColumns) {
    const Screen s = draw(40, 12);
    EXPECT_SCREEN(s, R"(
 #general          alice@127.0.0.1:8080




09:41 bob   hi all
09:42 Bart… a name too long
09:43 carol a longer message that has to
            wrap at narrow widths
09:44     * Alice nods …
 [1 general]    ● connected · 1 pending
> draft
)");
    EXPECT_EQ(s.cursor_row, 11);
    EXPECT_EQ(s.cursor_col, 7);
}

TEST_F(ChatLayoutNarrow, TwentyColumns) {
    const Screen s = draw(20, 6);
    // The room list and then the counts give way to the link state.
    EXPECT_SCREEN(s, R"(
 #general
     has to wrap at
     narrow widths
   * Alice nods …
 [1 ge… ● connected
> draft
)");
    EXPECT_EQ(s.cursor_row, 5);
    EXPECT_EQ(s.cursor_col, 7);
}

TEST_F(ChatLayoutNarrow, TinyTerminalsStillHaveAnInputLine) {
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{
             {1, 1}, {5, 2}, {3, 3}, {2, 5}, {8, 4}, {12, 3}, {1, 12}, {4, 1}, {200, 2}}) {
        SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
        const Screen s = draw(w, h);
        expect_safe_cells(s);
        EXPECT_EQ(s.cursor_row, h - 1);
        EXPECT_GE(s.cursor_col, 0);
        EXPECT_LT(s.cursor_col, w);
        if (w >= 4) {
            EXPECT_EQ(s.at(h - 1, 0).glyph, ">");
        }
        EXPECT_GE(report.pane_height, 0);
        EXPECT_GE(report.max_scroll, 0);
    }
}

TEST_F(ChatLayoutNarrow, EverySizeIsSafe) {
    model.on_message(
        "general",
        msg("04", "ken", "日本語のテキスト 😀 e\u0301 " + std::string(300, 'x'), kT0 + 4 * kMinute));
    for (int w = 1; w <= 90; ++w) {
        for (int h = 1; h <= 14; ++h) {
            SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
            const Screen s = draw(w, h);
            expect_safe_cells(s);
            ASSERT_EQ(s.cursor_row, h - 1);
            ASSERT_LT(s.cursor_col, w);
            ASSERT_EQ(report.pane_height, h >= 4 ? h - 3 : h == 3 ? 1 : 0);
            if (HasFailure()) return;
        }
    }
}

TEST_F(ChatLayoutNarrow, NoSizeAtAll) {
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{{0, 0}, {-1, 3}, {4, 0}, {0, 5}}) {
        const Screen s = draw(w, h);
        EXPECT_EQ(s.width(), std::max(w, 0));
        EXPECT_EQ(s.height(), std::max(h, 0));
        EXPECT_EQ(report.pane_height, 0);
    }
}

TEST_F(ChatLayoutNarrow, OneByOne) {
    EXPECT_SCREEN(draw(1, 1), R"(

)");
}

TEST_F(ChatLayoutNarrow, FiveByTwo) {
    EXPECT_SCREEN(draw(5, 2), R"(
 [1…
> t
)");
}

TEST_F(ChatLayoutNarrow, ThreeByThree) {
    // One pane row: the tail of the newest message (the pending mark).
    EXPECT_SCREEN(draw(3, 3), R"(
  …
 …
t
)");
}

// --- unread divider, header, status line

TEST_F(ChatLayoutTest, UnreadDividerAfterSwitchingBack) {
    model.on_link(LinkState::connected);
    history({msg("01", "bob", "seen before", kT0), msg("02", "bob", "also seen", kT0)});
    say("/join random", kT0 + kMinute);
    model.on_message("general", msg("03", "carol", "while you were away", kT0 + 2 * kMinute));
    model.on_message("general", msg("04", "carol", "alice, a question", kT0 + 3 * kMinute));
    model.on_message("general", msg("05", "bob", "never mind", kT0 + 4 * kMinute));
    key(Key::meta('1'));
    EXPECT_SCREEN(draw(80, 10), R"(
 #general                                                  alice@127.0.0.1:8080

09:41 bob        seen before
09:41 bob        also seen
──────────────────────────────────── 3 new ─────────────────────────────────────
09:43 carol      while you were away
09:44 carol      alice, a question
09:45 bob        never mind
 [1 general] [2 random]                                             ● connected
>
)");
    // Leaving again clears it.
    key(Key::meta('2'));
    key(Key::meta('1'));
    const auto rows = rows_of(draw(80, 10));
    EXPECT_EQ(rows[4], "09:41 bob        also seen");
    EXPECT_EQ(rows[5], "09:43 carol      while you were away");
}

TEST_F(ChatLayoutTest, UnreadDividerWithCtrlN) {
    history({msg("01", "bob", "seen before", kT0)});
    say("/join random", kT0);
    model.on_message("general", msg("02", "carol", "new one", kT0 + kMinute));
    model.on_message("general", msg("03", "carol", "new two", kT0 + kMinute));
    key(Key::control('n'));
    EXPECT_EQ(model.current().name, "general");
    const auto rows = rows_of(draw(40, 8));
    EXPECT_EQ(rows[3], "──────────────── 2 new ─────────────────");
    EXPECT_EQ(rows[4], "09:42 carol new one");
}

// Messages from different days get the newer one's date between them; a
// notice without a time neither starts a day nor splits one.
TEST_F(ChatLayoutTest, ADateRowWhereTheDayChanges) {
    constexpr std::int64_t kDay = 24 * 60 * kMinute;
    model.on_link(LinkState::connected);
    history({msg("01", "bob", "late on saturday", kT0 - 10 * 60 * kMinute),
             msg("02", "bob", "monday morning", kT0 + kDay),
             msg("03", "carol", "same monday", kT0 + kDay + kMinute),
             msg("04", "bob", "on thursday", kT0 + 4 * kDay)});
    model.on_history_failed("general", "HTTP 503");  // a notice at time 0
    EXPECT_SCREEN(draw(60, 11), R"(
 #general                              alice@127.0.0.1:8080

23:41 bob     late on saturday
--------------------- Mon 25 Nov 2024 ----------------------
09:41 bob     monday morning
09:42 carol   same monday
--------------------- Thu 28 Nov 2024 ----------------------
09:41 bob     on thursday
      --      history: HTTP 503
 [1 general]                                    ● connected
>
)");
}

// A local notice (an unreadable payload, a history error) among the new
// messages is not one of them: the divider says what the status line said.
TEST_F(ChatLayoutTest, UnreadDividerCountsMessagesNotNotices) {
    history({msg("01", "bob", "seen before", kT0)});
    say("/join random", kT0);
    model.on_message("general", msg("02", "carol", "new one", kT0 + kMinute));
    model.notice("general", "an unreadable payload", kT0 + kMinute);
    model.on_message("general", msg("03", "carol", "new two", kT0 + kMinute));
    EXPECT_EQ(model.rooms()[0].unread, 2);
    key(Key::meta('1'));
    const auto rows = rows_of(draw(40, 9));
    EXPECT_EQ(rows[3], "──────────────── 2 new ─────────────────");
    EXPECT_EQ(rows[4], "09:42 carol new one");
}

TEST_F(ChatLayoutTest, StatusLineWithRoomsUnreadAndMentions) {
    model.on_link(LinkState::connected);
    model.on_token(kNow + 12 * kMinute + 30 * 1000);
    history({msg("01", "bob", "hello", kT0)});
    say("/join random", kT0);
    say("/join dev", kT0);
    key(Key::meta('1'));
    model.on_message("random", msg("r1", "bob", "one", kT0));
    model.on_message("random", msg("r2", "bob", "two, alice", kT0));
    model.on_message("dev", msg("d1", "bob", "three", kT0));
    say("pending hello", kT0 + kMinute);
    const Screen s = draw(80, 6);
    EXPECT_SCREEN(s, R"(
 #general                                                  alice@127.0.0.1:8080

09:41 bob        hello
09:42 Alice      pending hello …
 [1 general] [2 random·2@1] [3 dev·1]       ● connected · token 12m · 1 pending
>
)");
    EXPECT_EQ(s.title, "mqchat: #general (3)");
}

TEST_F(ChatLayoutTest, StatusWhileReconnecting) {
    model.on_link(LinkState::reconnecting, kNow + 3000);
    EXPECT_EQ(rows_of(draw(80, 5))[3],
              " [1 general]                                               ◌ reconnecting in 3s");
    EXPECT_EQ(rows_of(draw(80, 5, kNow + 2001))[3],
              " [1 general]                                               ◌ reconnecting in 1s");
    // Retry time passed, or not known.
    EXPECT_EQ(rows_of(draw(80, 5, kNow + 3000))[3],
              " [1 general]                                                     ◌ reconnecting");
    model.on_link(LinkState::reconnecting, 0);
    EXPECT_EQ(rows_of(draw(80, 5))[3],
              " [1 general]                                                     ◌ reconnecting");
    model.on_link(LinkState::offline);
    const Screen offline = draw(80, 5);
    EXPECT_EQ(rows_of(offline)[3],
              " [1 general]                                                          ✗ offline");
    EXPECT_EQ(offline.at(3, 70).style.color, Color::error);
    model.on_link(LinkState::connecting);
    EXPECT_EQ(rows_of(draw(80, 5))[3],
              " [1 general]                                                       ○ connecting");
}

TEST_F(ChatLayoutTest, TokenLifetimeInTheStatusLine) {
    model.on_link(LinkState::connected);
    const std::vector<std::pair<std::int64_t, std::string>> cases = {
        {kNow + 45 * 1000, "token 45s"},
        {kNow + 12 * kMinute, "token 12m"},
        {kNow + 3 * 60 * kMinute + 5, "token 3h"},
        {kNow - 1, "token expired"},
    };
    for (const auto& [expires, text] : cases) {
        model.on_token(expires);
        const std::string status = rows_of(draw(80, 5))[3];
        EXPECT_TRUE(status.ends_with("● connected · " + text)) << status;
    }
}

TEST_F(ChatLayoutTest, HeaderShowsTheRoomAndServer) {
    const Screen s = draw(60, 4);
    EXPECT_SCREEN(s, R"(
 #general  loading history…            alice@127.0.0.1:8080

 [1 general]                                   ○ connecting
>
)");
    EXPECT_EQ(s.title, "mqchat: #general");
    // The label never covers the loading note: it gives way.
    EXPECT_EQ(rows_of(draw(40, 4))[0], " #general  loading history…");
    history({});
    EXPECT_EQ(rows_of(draw(60, 4))[0],
              " #general                              alice@127.0.0.1:8080");
    // Too narrow for the label: the room name wins.
    EXPECT_EQ(rows_of(draw(28, 4))[0], " #general");
    say("/join a-room-with-a-long-name", kT0);
    history({});
    EXPECT_EQ(rows_of(draw(40, 4))[0], " #a-room-with-a-long-name");
}

// --- scrolling

TEST_F(ChatLayoutTest, ScrolledUpShowsMoreBelow) {
    model.on_link(LinkState::connected);
    std::vector<Message> page;
    for (int i = 1; i <= 30; ++i)
        page.push_back(msg("m" + std::to_string(100 + i), "bob", "message " + std::to_string(i),
                           kT0 + i * kMinute));
    history(std::move(page));
    const Screen bottom = draw(80, 12);
    EXPECT_EQ(report.pane_height, 9);
    EXPECT_FALSE(report.top_visible);
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(model.current().viewport.scroll(), 7);
    EXPECT_SCREEN(draw(80, 12), R"(
 #general                                                  alice@127.0.0.1:8080
09:56 bob        message 15
09:57 bob        message 16
09:58 bob        message 17
09:59 bob        message 18
10:00 bob        message 19
10:01 bob        message 20
10:02 bob        message 21
10:03 bob        message 22
 ↓ more below · Esc returns
 [1 general]                                                        ● connected
>
)");
    EXPECT_FALSE(report.top_visible);
    EXPECT_EQ(report.pane_height, 9);
    // Only what the view needs is laid out: a page and a bit more above it.
    EXPECT_EQ(report.max_scroll, 7 + 9 + 3);
    // What arrives below does not move the view: it stays on its messages.
    model.on_message("general", msg("m200", "carol", "meanwhile", kNow));
    EXPECT_SCREEN(draw(80, 12), R"(
 #general                                                  alice@127.0.0.1:8080
09:56 bob        message 15
09:57 bob        message 16
09:58 bob        message 17
09:59 bob        message 18
10:00 bob        message 19
10:01 bob        message 20
10:02 bob        message 21
10:03 bob        message 22
 ↓ more below (1 new) · Esc returns
 [1 general]                                                        ● connected
>
)");
    // Esc returns to the newest line.
    key(Key::of(Key::Kind::escape));
    const auto rows = rows_of(draw(80, 12));
    EXPECT_EQ(rows[8], "10:11 bob        message 30");
    EXPECT_EQ(rows[9], "09:51 carol      meanwhile");
    EXPECT_EQ(rows_of(bottom)[9], "10:11 bob        message 30");
}

// Scrolled up, a flood of long (wrapped) messages below leaves the view on
// the same rows; a resize keeps the same message at the bottom; PgDn then
// moves from there, and Esc follows the newest again.
TEST_F(ChatLayoutTest, TheScrolledViewIsAnchoredToItsMessages) {
    std::vector<Message> page;
    for (int i = 1; i <= 40; ++i)
        page.push_back(msg("m" + std::to_string(100 + i), "bob", "message " + std::to_string(i),
                           kT0 + i * kMinute));
    history(std::move(page));
    draw(80, 12);
    key(Key::of(Key::Kind::page_up));
    key(Key::of(Key::Kind::page_up));
    auto pane = [](std::vector<std::string> rows) {  // without the bar and below
        rows.resize(9);
        return rows;
    };
    const auto before = pane(rows_of(draw(80, 12)));
    EXPECT_EQ(before[8], "10:08 bob        message 27");
    for (int i = 0; i < 50; ++i)
        model.on_message("general", msg("n" + std::to_string(i), "carol",
                                        std::string(150, 'x') + " " + std::to_string(i), kNow));
    EXPECT_EQ(pane(rows_of(draw(80, 12))), before);
    EXPECT_EQ(pane(rows_of(draw(80, 12))), before);  // and stays there frame after frame
    EXPECT_EQ(model.current().viewport.new_below(), 50);
    // Narrower and shorter: message 27 is still the last one above the bar.
    EXPECT_EQ(rows_of(draw(50, 8))[4], "10:08 bob    message 27");
    EXPECT_EQ(rows_of(draw(80, 12))[8], "10:08 bob        message 27");
    key(Key::of(Key::Kind::page_down));
    EXPECT_EQ(rows_of(draw(80, 12))[8], "10:15 bob        message 34");
    key(Key::of(Key::Kind::escape));
    const auto bottom = rows_of(draw(80, 12));
    EXPECT_EQ(bottom[9].substr(0, 22), "                 xxxxx");
    EXPECT_EQ(model.current().viewport.new_below(), 0);
}

// Keys and a flood between two frames: PgUp goes to older messages from
// where the view is, however many arrived since the last frame. After
// sending (back at the bottom) PgUp counts from the newest again.
TEST_F(ChatLayoutTest, PageUpDuringAFloodGoesOlderFromTheView) {
    std::vector<Message> page;
    for (int i = 1; i <= 100; ++i)
        page.push_back(msg("m" + std::to_string(100 + i), "bob", "message " + std::to_string(i),
                           kT0 + i * 1000));
    history(std::move(page));
    draw(80, 12);
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(rows_of(draw(80, 12))[8], "09:42 bob        message 92");
    for (int i = 0; i < 50; ++i)
        model.on_message("general", msg("f" + std::to_string(i), "carol", "flood", kNow));
    key(Key::of(Key::Kind::page_up));  // 7 rows up from message 92
    for (int i = 50; i < 100; ++i)
        model.on_message("general", msg("f" + std::to_string(i), "carol", "flood", kNow));
    EXPECT_EQ(rows_of(draw(80, 12))[8], "09:42 bob        message 85");
    key(Key::of(Key::Kind::page_down));  // and 7 down, from there too
    for (int i = 100; i < 110; ++i)
        model.on_message("general", msg("f" + std::to_string(i), "carol", "flood", kNow));
    EXPECT_EQ(rows_of(draw(80, 12))[8], "09:42 bob        message 92");
    key(Key::of(Key::Kind::escape));
    for (int i = 110; i < 120; ++i)
        model.on_message("general", msg("f" + std::to_string(i), "carol", "flood", kNow));
    const auto bottom = rows_of(draw(80, 12));  // back at the newest: following it
    EXPECT_EQ(bottom[9], "09:51 carol      flood");
    EXPECT_EQ(model.current().viewport.scroll(), 0);
    EXPECT_EQ(model.current().viewport.new_below(), 0);
    say("back", kNow);
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(rows_of(draw(80, 12))[9], " ↓ more below · Esc returns");
}

// The bottom row of the view inside a long message: a message of the next
// day arriving below it (with its date row) leaves the view where it was.
TEST_F(ChatLayoutTest, ANewDayBelowDoesNotMoveTheAnchoredView) {
    std::vector<Message> page;
    for (int i = 1; i <= 30; ++i)
        page.push_back(msg("m" + std::to_string(100 + i), "bob",
                           "message " + std::to_string(i) + " " + std::string(300, 'x'),
                           kT0 + i * kMinute));
    history(std::move(page));
    draw(80, 12);
    key(Key::of(Key::Kind::wheel_up));
    const auto before = rows_of(draw(80, 12));
    model.on_message("general", msg("n1", "carol", "next day", kT0 + 24 * 60 * kMinute));
    auto after = rows_of(draw(80, 12));
    EXPECT_EQ(std::vector<std::string>(after.begin(), after.begin() + 9),
              std::vector<std::string>(before.begin(), before.begin() + 9));
}

TEST_F(ChatLayoutTest, ScrollingToTheTopReportsItVisible) {
    std::vector<Message> page;
    for (int i = 1; i <= 12; ++i)
        page.push_back(msg("m" + std::to_string(100 + i), "bob", "message " + std::to_string(i),
                           kT0 + i * kMinute));
    model.on_history("general", ChatModel::Page::initial, std::move(page), 12);
    draw(80, 12);
    EXPECT_EQ(report.pane_height, 9);
    EXPECT_EQ(report.max_scroll, 3);
    EXPECT_FALSE(report.top_visible);
    key(Key::of(Key::Kind::wheel_up));
    EXPECT_EQ(model.current().viewport.scroll(), 3);
    const Screen s = draw(80, 12);
    EXPECT_TRUE(report.top_visible);
    EXPECT_EQ(report.max_scroll, 3);
    EXPECT_TRUE(actions.empty());  // at the top, not past it
    EXPECT_EQ(rows_of(s)[1], "09:42 bob        message 1");
    EXPECT_EQ(rows_of(s)[9], " ↓ more below · Esc returns");
    // Scrolling on past the top asks for older history; the pane says so.
    key(Key::of(Key::Kind::wheel_up));
    EXPECT_EQ(model.current().viewport.scroll(), 3);
    draw(80, 12);
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::fetch_older);
    EXPECT_EQ(actions[0].before, "m101");
    const auto rows = rows_of(draw(80, 12));
    EXPECT_TRUE(actions.empty());
    EXPECT_EQ(rows[1], "loading older messages…");
    EXPECT_EQ(rows[2], "09:43 bob        message 2");
}

TEST_F(ChatLayoutTest, ReportForAShortRoom) {
    history({msg("01", "bob", "one", kT0), msg("02", "bob", "two", kT0)});
    draw(80, 12);
    EXPECT_EQ(report.pane_height, 9);
    EXPECT_EQ(report.max_scroll, 0);
    EXPECT_TRUE(report.top_visible);
    draw(80, 3);
    EXPECT_EQ(report.pane_height, 1);
    EXPECT_EQ(report.max_scroll, 1);
    EXPECT_FALSE(report.top_visible);
    draw(80, 2);
    EXPECT_EQ(report.pane_height, 0);
}

// --- styles

TEST_F(ChatLayoutTest, Styles) {
    model.on_link(LinkState::connected);
    history({msg("01", "bob", "hello alice", kT0), msg("02", "carol", "hello all", kT0)});
    say("hi", kT0 + kMinute);
    const Screen s = draw(80, 7);
    // Rows: 0 header, 1 blank, 2 bob (a mention), 3 carol, 4 ours, 5 status, 6 input.
    ASSERT_EQ(rows_of(s)[4], "09:42 Alice      hi …");
    const Cell& mention = s.at(2, 6);
    EXPECT_EQ(mention.glyph, "b");
    EXPECT_TRUE(mention.style.reverse);
    EXPECT_TRUE(mention.style.bold);
    EXPECT_EQ(static_cast<int>(mention.style.color), nick_color_index("bob"));
    const Cell& other = s.at(3, 6);
    EXPECT_EQ(other.glyph, "c");
    EXPECT_FALSE(other.style.reverse);
    EXPECT_EQ(static_cast<int>(other.style.color), nick_color_index("carol"));
    const Cell& own = s.at(4, 6);
    EXPECT_EQ(own.glyph, "A");
    EXPECT_EQ(own.style, (Style{Color::accent, true}));
    EXPECT_TRUE(s.at(4, 0).style.dim);      // the time
    EXPECT_EQ(s.at(4, 17).style, Style{});  // the text
    EXPECT_EQ(s.at(4, 20).glyph, "…");      // pending
    EXPECT_EQ(s.at(4, 20).style.color, Color::warning);
    EXPECT_EQ(s.at(0, 1).style, (Style{Color::accent, true}));  // "#general"
    for (int c = 0; c < 80; ++c)
        EXPECT_TRUE(s.at(5, c).style.reverse) << "status column " << c;
    const int link = column_of(s, 5, "● connected");
    ASSERT_GE(link, 0);
    EXPECT_EQ(s.at(5, link).style.color, Color::good);
    EXPECT_TRUE(s.at(5, 1).style.bold);                         // the active room
    EXPECT_EQ(s.at(6, 0).style, (Style{Color::accent, true}));  // the prompt
}

// --- the input line

TEST_F(ChatLayoutTest, InputLineAndCursor) {
    model.on_key(Key::typed("hello wörld"), kNow);
    model.on_key(Key::of(Key::Kind::left), kNow);
    const Screen s = draw(40, 5);
    EXPECT_EQ(rows_of(s)[4], "> hello wörld");
    EXPECT_EQ(s.cursor_row, 4);
    EXPECT_EQ(s.cursor_col, 12);
    EXPECT_TRUE(s.cursor_visible);
}

TEST_F(ChatLayoutTest, PastePromptReplacesTheInputLine) {
    model.on_key(Key::pasted("one\ntwo\nthree"), kNow);
    const Screen s = draw(60, 5);
    EXPECT_EQ(rows_of(s)[4], "Send the pasted 3 lines as 3 messages? [y/N]");
    EXPECT_EQ(s.at(4, 0).style, (Style{Color::warning, true}));
    EXPECT_EQ(s.cursor_col, 44);
    EXPECT_EQ(rows_of(draw(20, 5))[4], "Send the pasted 3 …");
}

// --- wrap_text and nick colours

using Rows = std::vector<std::string>;

TEST(ChatLayoutWrap, BreaksAtSpaces) {
    EXPECT_EQ(wrap_text("the quick brown fox", 10, 10), (Rows{"the quick", "brown fox"}));
    EXPECT_EQ(wrap_text("the quick brown fox", 9, 9), (Rows{"the quick", "brown fox"}));
    EXPECT_EQ(wrap_text("one two", 20, 20), (Rows{"one two"}));
    EXPECT_EQ(wrap_text("aaa bbb ccc", 4, 8), (Rows{"aaa", "bbb ccc"}));
}

TEST(ChatLayoutWrap, BreaksInsideLongWords) {
    EXPECT_EQ(wrap_text("abcdefghij", 4, 4), (Rows{"abcd", "efgh", "ij"}));
    EXPECT_EQ(wrap_text("ab cdefghijkl", 5, 5), (Rows{"ab", "cdefg", "hijkl"}));
}

TEST(ChatLayoutWrap, NoLeadingSpacesOnContinuationRows) {
    EXPECT_EQ(wrap_text("abcd    efgh", 4, 4), (Rows{"abcd", "efgh"}));
    EXPECT_EQ(wrap_text("  indented", 20, 20), (Rows{"  indented"}));  // the first row keeps them
}

TEST(ChatLayoutWrap, NewlinesForceABreak) {
    EXPECT_EQ(wrap_text("a\nb\n\nc", 10, 10), (Rows{"a", "b", "", "c"}));
    EXPECT_EQ(wrap_text("", 10, 10), (Rows{""}));
}

TEST(ChatLayoutWrap, WideCharactersNeverStraddleTheEdge) {
    EXPECT_EQ(wrap_text("日本語テキスト", 5, 5), (Rows{"日本", "語テ", "キス", "ト"}));
    EXPECT_EQ(wrap_text("a日本語", 4, 4), (Rows{"a日", "本語"}));
    // A row of one column still takes one wide character (the screen blanks
    // it), without empty rows in between.
    EXPECT_EQ(wrap_text("日本", 1, 1), (Rows{"日", "本"}));
}

TEST(ChatLayoutWrap, CombiningMarksStayWithTheirCharacter) {
    EXPECT_EQ(wrap_text("abe\u0301\u0302cd", 3, 3), (Rows{"abe\u0301\u0302", "cd"}));
    EXPECT_EQ(wrap_text("ab e\u0301", 3, 3), (Rows{"ab", "e\u0301"}));
}

TEST(ChatLayoutWrap, LeadingSpacesDoNotLeaveAnEmptyRow) {
    EXPECT_EQ(wrap_text(" abcd日", 5, 5), (Rows{" abcd", "日"}));
    EXPECT_EQ(wrap_text("   abcdef", 5, 5), (Rows{"   ab", "cdef"}));
}

TEST(ChatLayoutWrap, EveryRowFitsItsWidth) {
    const std::string text =
        "Lorem ipsum 日本語 dolor sit amet, 😀 consectetur adipiscing elit 語語語語 sed do "
        "eiusmod tempor e\u0301 incididunt ut labore et dolore magna aliqua";
    for (int first = 1; first <= 20; ++first) {
        for (int next = 1; next <= 20; ++next) {
            const Rows rows = wrap_text(text, first, next);
            std::string joined;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const int limit = i == 0 ? first : next;
                const auto w = static_cast<int>(unicode::display_width(rows[i]));
                // A single wide character may overflow a one-column row.
                EXPECT_TRUE(w <= limit || (limit == 1 && w == 2))
                    << first << "/" << next << " row " << i << ": " << rows[i];
                EXPECT_FALSE(rows[i].ends_with(' ')) << first << "/" << next << " row " << i;
                joined += rows[i];
            }
            // Only spaces were dropped, never a character.
            std::string expected = text;
            std::erase(expected, ' ');
            std::erase(joined, ' ');
            EXPECT_EQ(joined, expected) << first << "/" << next;
        }
    }
}

TEST(ChatLayoutNickColor, StableAndInRange) {
    for (const char* user : {"", "alice", "bob", "carol", "日本", "x"}) {
        const int c = nick_color_index(user);
        EXPECT_GE(c, 1);
        EXPECT_LE(c, kNickColors);
        EXPECT_EQ(c, nick_color_index(user));
    }
    EXPECT_NE(nick_color_index("alice"), nick_color_index("bob"));
}

}  // namespace
}  // namespace mqchat
