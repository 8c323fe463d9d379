// History and rooms in the TUI: scrolling past the first page fetches older
// messages from the server; /join switches rooms, other rooms count unread
// messages, and coming back shows where the new ones start.
#include <regex>

#include "tui_fixture.hpp"

namespace tuitest {
namespace {

std::string three_digits(int i) {
    std::string n = std::to_string(i);
    return std::string(3 - n.size(), '0') + n;
}

// The numbers of the "msg NNN" rows on screen, top to bottom.
std::vector<int> message_numbers(const ScreenRows& rows) {
    static const std::regex number(R"(msg (\d\d\d))");
    std::vector<int> out;
    for (const auto& row : rows) {
        std::smatch m;
        if (std::regex_search(row, m, number)) out.push_back(std::stoi(m[1]));
    }
    return out;
}

TEST(TuiHistory, PageUpPastTheFirstPageLoadsOlderMessages) {
    World world;
    std::string lines;
    for (int i = 1; i <= 250; ++i)
        lines += "msg " + three_digits(i) + "\n";
    world.bob_sends_lines(lines);
    ASSERT_TRUE(world.wait_archived_count(250)) << world.stack.log();

    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && contains(r, "msg 250");
    })) << tui->screen();
    // The first page is the newest 100: msg 151..250.
    EXPECT_FALSE(contains(tui->rows(), "msg 150")) << tui->screen();

    // PgUp until msg 005 is on screen: two more pages have to come from the
    // server on the way. Each press waits for the screen to change (a page
    // being fetched may leave it as it is for a while; the next press is harmless).
    const auto until = std::chrono::steady_clock::now() + 60s;
    ScreenRows rows = tui->rows();
    int presses = 0;
    while (!contains(rows, "msg 005")) {
        ASSERT_LT(std::chrono::steady_clock::now(), until)
            << "msg 005 never came into view after " << presses << " PgUp" << tui->screen();
        tui->keys({"PPage"});
        ++presses;
        const ScreenRows previous = rows;
        tui->wait_for([&](const ScreenRows& r) { return r != previous || contains(r, "msg 005"); },
                      3s);
        rows = tui->rows();
    }
    // Oldest at the top, in order, nothing missing between the rows shown.
    const auto numbers = message_numbers(rows);
    ASSERT_FALSE(numbers.empty()) << tui->screen();
    for (std::size_t i = 1; i < numbers.size(); ++i)
        EXPECT_EQ(numbers[i], numbers[i - 1] + 1) << tui->screen();
    EXPECT_TRUE(contains(rows, "more below")) << tui->screen();
    // Esc goes back to the newest.
    tui->keys({"Escape"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return contains(r, "msg 250") && !contains(r, "more below");
    })) << tui->screen();
}

// Reading older messages while the room goes on: what arrives below is
// counted on the bar, and the rows being read stay where they are.
TEST(TuiHistory, TheScrolledUpViewStaysPutWhileMessagesArrive) {
    World world;
    std::string lines;
    for (int i = 1; i <= 60; ++i)
        lines += "msg " + three_digits(i) + "\n";
    world.bob_sends_lines(lines);
    ASSERT_TRUE(world.wait_archived_count(60)) << world.stack.log();
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && contains(r, "msg 060");
    })) << tui->screen();
    tui->keys({"PPage"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return contains(r, "more below"); }))
        << tui->screen();
    const auto pane = [](ScreenRows rows) {  // the message rows above the bar
        rows.resize(static_cast<std::size_t>(row_of(rows, "more below")));
        return rows;
    };
    const ScreenRows before = pane(tui->rows());
    const auto shown = message_numbers(before);
    ASSERT_FALSE(shown.empty()) << tui->screen();
    EXPECT_LT(shown.back(), 60) << tui->screen();

    world.bob_sends_lines("late one\nlate two\nlate three\n");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return contains(r, "(3 new)"); }))
        << tui->screen();
    EXPECT_EQ(pane(tui->rows()), before) << tui->screen();
    tui->keys({"Escape"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return contains(r, "late three") && !contains(r, "more below");
    })) << tui->screen();
}

TEST(TuiRooms, JoinSwitchesRoomsCountsUnreadAndMarksNewOnReturn) {
    World world;
    world.bob_says("before the join");
    ASSERT_TRUE(world.wait_archived("before the join"));
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && contains(r, "before the join");
    })) << tui->screen();

    tui->type("/join ops");
    tui->keys({"Enter"});
    // Ready in ops: its history loaded, which happens after the new
    // connection (with a token for both rooms) subscribed to both.
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r, "ops") && status_row(r).find("[1 general] [2 ops]") != std::string::npos;
    })) << tui->screen();
    EXPECT_FALSE(contains(tui->rows(), "before the join")) << tui->screen();
    {  // ops is the active room: its label is the bold one
        const StyledScreen styled = parse_escapes(tui->with_escapes());
        const StyledRow& status = styled.rows.at(22);
        EXPECT_TRUE(status.is_bold("[2 ops]")) << status.text;
        EXPECT_FALSE(status.is_bold("[1 general]")) << status.text;
    }

    world.bob_says("news from elsewhere");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return status_row(r).find("[1 general·1] [2 ops]") != std::string::npos;
    })) << tui->screen();
    EXPECT_FALSE(contains(tui->rows(), "news from elsewhere")) << tui->screen();

    tui->keys({"M-1"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return r[0].find("#general") != std::string::npos && contains(r, "news from elsewhere");
    })) << tui->screen();
    const ScreenRows rows = tui->rows();
    const int old_row = row_of(rows, "before the join");
    const int divider = row_of(rows, " 1 new ");
    const int new_row = row_of(rows, "news from elsewhere");
    ASSERT_NE(divider, -1) << "no \"1 new\" divider" << tui->screen();
    EXPECT_NE(rows[static_cast<std::size_t>(divider)].find("─"), std::string::npos)
        << tui->screen();
    EXPECT_LT(old_row, divider) << tui->screen();
    EXPECT_EQ(divider + 1, new_row) << tui->screen();
    // Read now: the count is gone, and general is the active room.
    EXPECT_NE(status_row(rows).find("[1 general] [2 ops]"), std::string::npos) << tui->screen();
    const StyledScreen styled = parse_escapes(tui->with_escapes());
    EXPECT_TRUE(styled.rows.at(22).is_bold("[1 general]")) << styled.rows.at(22).text;
    EXPECT_FALSE(styled.rows.at(22).is_bold("[2 ops]")) << styled.rows.at(22).text;
}

// /part leaves the room (the broker stops sending it) and a later /join of
// the same room loads its history again.
TEST(TuiRooms, PartThenJoinAgainShowsTheRoomsHistory) {
    World world;
    world.bob_says("ops before", "ops");
    ASSERT_TRUE(world.wait_archived("ops before", "ops"));
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    tui->type("/join ops");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r, "ops") && contains(r, "ops before");
    })) << tui->screen();

    tui->type("/part");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && status_row(r).find("ops") == std::string::npos;
    })) << tui->screen();
    world.bob_says("ops while away", "ops");
    ASSERT_TRUE(world.wait_archived("ops while away", "ops"));
    world.bob_says("general after", "general");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return contains(r, "general after"); }))
        << tui->screen();
    EXPECT_EQ(status_row(tui->rows()).find("ops"), std::string::npos) << tui->screen();

    tui->type("/join ops");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r, "ops") && contains(r, "ops before") && contains(r, "ops while away");
    })) << tui->screen();
}

}  // namespace
}  // namespace tuitest
