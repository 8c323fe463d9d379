// The TUI's screen at different sizes: a resize reflows the pane and keeps the
// status and input lines where they belong; small terminals do not crash it;
// NO_COLOR takes the colours away but not the text.
#include <sstream>

#include "tui_fixture.hpp"

namespace tuitest {
namespace {

// "w01 w02 … w30": 119 columns of short words, so it wraps at any width.
std::string numbered_words() {
    std::string text;
    for (int i = 1; i <= 30; ++i) {
        if (i > 1) text += ' ';
        text += (i < 10 ? "w0" : "w") + std::to_string(i);
    }
    return text;
}

std::string last_word(const std::string& row) {
    std::istringstream words(row);
    std::string word;
    std::string last;
    while (words >> word)
        last = word;
    return last;
}

// Every word of the message, in order, across the rows it fills.
bool all_words_in_order(const ScreenRows& rows) {
    std::string words;
    for (const auto& row : rows)
        words += row + " ";
    std::size_t pos = 0;
    std::istringstream expected(numbered_words());
    std::string word;
    while (expected >> word) {
        pos = words.find(word, pos);
        if (pos == std::string::npos) return false;
    }
    return true;
}

TEST(TuiResize, ShrinkingReflowsThePaneAndKeepsStatusAndDraft) {
    World world;
    const auto tui = world.open();
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return ready(r); })) << tui->screen();
    world.bob_says(numbered_words());
    ASSERT_TRUE(tui->wait_for_text("w30")) << tui->screen();
    tui->type("draft not sent");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return input_row(r) == "> draft not sent";
    })) << tui->screen();
    const ScreenRows before = tui->rows();
    const std::string wide_break =
        last_word(before[static_cast<std::size_t>(row_of(before, "w01"))]);

    tui->resize(60, 20);
    ASSERT_TRUE(tui->wait_for([&](const ScreenRows& r) {
        const int first = row_of(r, "w01");
        return r.size() == 20 && first >= 0 &&
               last_word(r[static_cast<std::size_t>(first)]) != wide_break;
    })) << "the message was not wrapped anew at 60 columns"
        << tui->screen();
    const ScreenRows after = tui->rows();
    EXPECT_TRUE(all_words_in_order(after)) << tui->screen();
    EXPECT_NE(after[0].find("#general"), std::string::npos) << tui->screen();
    EXPECT_NE(after[18].find("● connected"), std::string::npos) << tui->screen();
    EXPECT_NE(after[18].find("[1 general]"), std::string::npos) << tui->screen();
    EXPECT_EQ(after[19], "> draft not sent") << tui->screen();
    // It still works: the draft goes out as it was.
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for_text("draft not sent ✓")) << tui->screen();
}

struct Size {
    int width;
    int height;
};

void PrintTo(const Size& size, std::ostream* out) {
    *out << size.width << "x" << size.height;
}

class TuiSmallTerminal : public ::testing::TestWithParam<Size> {};

TEST_P(TuiSmallTerminal, StartsAndKeepsRunning) {
    const Size size = GetParam();
    World world;
    world.bob_says("a message from before");
    ASSERT_TRUE(world.wait_archived("a message from before"));
    Start start;
    start.width = size.width;
    start.height = size.height;
    const auto tui = world.open(start);
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return status_row(r).find("● connected") != std::string::npos &&
               input_row(r).starts_with(">");
    })) << tui->screen();
    // Still reading keys and drawing: a typed word shows in the input line.
    tui->type("abc");
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) { return input_row(r) == "> abc"; }))
        << tui->screen();
    const ScreenRows rows = tui->rows();
    EXPECT_EQ(rows.size(), static_cast<std::size_t>(size.height));
    EXPECT_FALSE(contains(rows, "EXIT=")) << tui->screen();
    EXPECT_TRUE(runs_mqchat(*tui)) << "mqchat is gone";
    EXPECT_EQ(tui->display("#{pane_dead}"), "0");
}

INSTANTIATE_TEST_SUITE_P(Sizes, TuiSmallTerminal,
                         ::testing::Values(Size{40, 12}, Size{80, 24}, Size{20, 6}),
                         [](const ::testing::TestParamInfo<Size>& param_info) {
                             return std::to_string(param_info.param.width) + "x" +
                                    std::to_string(param_info.param.height);
                         });

TEST(TuiNoColor, NoColorDropsColoursButKeepsTheText) {
    World world;
    world.bob_says("colourless hello");
    ASSERT_TRUE(world.wait_archived("colourless hello"));
    Start start;
    start.env = {"NO_COLOR=1"};
    const auto tui = world.open(start);
    ASSERT_TRUE(tui->wait_for([](const ScreenRows& r) {
        return ready(r) && contains(r, "colourless hello");
    })) << tui->screen();
    tui->type("mine too");
    tui->keys({"Enter"});
    ASSERT_TRUE(tui->wait_for_text("mine too ✓")) << tui->screen();
    const std::string captured = tui->with_escapes();
    const StyledScreen styled = parse_escapes(captured);
    EXPECT_EQ(colour_sgr(styled), std::vector<std::string>{}) << captured;
    EXPECT_EQ(styled.other_escapes, std::vector<std::string>{}) << captured;
    // The text is all there, attributes (bold, reverse) allowed.
    const ScreenRows rows = tui->rows();
    EXPECT_NE(row_of(rows, "Bob"), -1) << tui->screen();
    EXPECT_NE(row_of(rows, "colourless hello"), -1) << tui->screen();
    EXPECT_NE(row_of(rows, "Alice"), -1) << tui->screen();
    EXPECT_NE(status_row(rows).find("● connected"), std::string::npos) << tui->screen();
}

}  // namespace
}  // namespace tuitest
