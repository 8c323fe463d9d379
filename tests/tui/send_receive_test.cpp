// Sending and receiving in the interactive TUI: typed and pasted messages get
// their delivery mark and reach the archive; bob's messages show up live.
#include <regex>

#include "tui_fixture.hpp"

namespace tuitest {
namespace {

TEST(TuiSend, TypedMessageIsAcknowledgedAndArchived) {
    World world;
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    tui->type("hello from the tui");
    ASSERT_TRUE(tui->wait_for_text("> hello from the tui")) << tui->screen();
    tui->keys({"Enter"});
    // Own message: the mark after it turns from " …" (pending) into " ✓".
    ASSERT_TRUE(tui->wait_for_text("hello from the tui ✓")) << tui->screen();
    const ScreenRows rows = tui->rows();
    const int row = row_of(rows, "hello from the tui ✓");
    EXPECT_NE(rows[static_cast<std::size_t>(row)].find("Alice"), std::string::npos)
        << tui->screen();
    EXPECT_EQ(input_row(rows), ">") << tui->screen();  // the input line was cleared
    EXPECT_EQ(status_row(rows).find("pending"), std::string::npos) << tui->screen();

    // The server archived it: bob's --tail --no-follow reads it from history.
    ASSERT_TRUE(world.wait_archived("hello from the tui")) << world.stack.log();
    const auto tail =
        world.bob.mqchat({"general", "--tail", "--no-follow", "-n", "5", "--format", "%n: %m"});
    ASSERT_EQ(tail.status, 0) << tail.err;
    EXPECT_EQ(tail.out, "Alice: hello from the tui\n");
}

TEST(TuiReceive, MessageFromAnotherClientAppearsLive) {
    World world;
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    world.bob_says("hi alice, bob here");
    ASSERT_TRUE(tui->wait_for_text("hi alice, bob here")) << tui->screen();
    const ScreenRows rows = tui->rows();
    const std::string& row = rows[static_cast<std::size_t>(row_of(rows, "hi alice, bob here"))];
    // "HH:MM Bob        hi alice…": a clock, the sender's name, no delivery mark.
    EXPECT_TRUE(std::regex_search(row, std::regex(R"(^\d\d:\d\d Bob +hi alice, bob here$)")))
        << tui->screen();
    // With colours on (the default on a terminal), the nick has one.
    const StyledScreen styled = parse_escapes(tui->with_escapes());
    EXPECT_FALSE(colour_sgr(styled).empty()) << tui->with_escapes();
}

TEST(TuiPaste, MultiLinePasteAsksThenSendsEachLine) {
    World world;
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    tui->paste("first pasted\nsecond pasted\nthird pasted");
    ASSERT_TRUE(tui->wait_for_text("Send the pasted 3 lines as 3 messages? [y/N]"))
        << tui->screen();
    EXPECT_FALSE(contains(tui->rows(), "first pasted")) << tui->screen();  // nothing sent yet
    tui->type("y");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return contains(r, "first pasted ✓") && contains(r, "second pasted ✓") &&
               contains(r, "third pasted ✓");
    })) << tui->screen();
    const ScreenRows rows = tui->rows();
    EXPECT_LT(row_of(rows, "first pasted"), row_of(rows, "second pasted")) << tui->screen();
    EXPECT_LT(row_of(rows, "second pasted"), row_of(rows, "third pasted")) << tui->screen();
    EXPECT_EQ(input_row(rows), ">") << tui->screen();
    ASSERT_TRUE(world.wait_archived_count(3)) << world.stack.log();
    std::vector<std::string> texts;
    for (const auto& m : world.history())
        texts.push_back(m.at("text"));
    EXPECT_EQ(texts, (std::vector<std::string>{"first pasted", "second pasted", "third pasted"}));
}

}  // namespace
}  // namespace tuitest
