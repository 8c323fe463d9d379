// The cell buffer: writing by display width, clipping, wide characters and
// their halves, combining marks, fills, and the golden text form.
#include "core/screen.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mqchat {
namespace {

const Style kBold{Color::accent, true};

TEST(Screen, StartsBlankWithTheGivenSize) {
    const Screen s(4, 2);
    EXPECT_EQ(s.width(), 4);
    EXPECT_EQ(s.height(), 2);
    EXPECT_EQ(s.at(1, 3), Cell{});
    EXPECT_EQ(s.text(), "\n\n");
}

TEST(Screen, NegativeSizesAreEmpty) {
    const Screen s(-3, -1);
    EXPECT_EQ(s.width(), 0);
    EXPECT_EQ(s.height(), 0);
    EXPECT_EQ(s.text(), "");
}

TEST(Screen, PutWritesCellsAndReturnsTheNextColumn) {
    Screen s(8, 2);
    EXPECT_EQ(s.put(1, 2, "abc", kBold), 5);
    EXPECT_EQ(s.at(1, 2).glyph, "a");
    EXPECT_EQ(s.at(1, 2).width, 1);
    EXPECT_EQ(s.at(1, 2).style, kBold);
    EXPECT_EQ(s.at(1, 4).glyph, "c");
    EXPECT_EQ(s.at(1, 5), Cell{});
    EXPECT_EQ(s.text(), "\n  abc\n");  // leading blanks kept, trailing ones trimmed
}

TEST(Screen, PutClipsAtTheRightEdge) {
    Screen s(5, 1);
    EXPECT_EQ(s.put(0, 2, "abcdef"), 5);
    EXPECT_EQ(s.text(), "  abc\n");
    EXPECT_EQ(s.put(0, 5, "zz"), 5);  // entirely past the edge: nothing
    EXPECT_EQ(s.text(), "  abc\n");
}

TEST(Screen, PutOutsideTheRowsDoesNothing) {
    Screen s(3, 1);
    EXPECT_EQ(s.put(-1, 0, "abc"), 0);
    EXPECT_EQ(s.put(1, 1, "abc"), 1);
    EXPECT_EQ(s.text(), "\n");
}

TEST(Screen, PutFromANegativeColumnSkipsWhatIsLeftOfTheScreen) {
    Screen s(4, 1);
    EXPECT_EQ(s.put(0, -2, "abcd"), 2);
    EXPECT_EQ(s.text(), "cd\n");
    // A wide character straddling column 0 is not drawn as a half.
    Screen w(4, 1);
    EXPECT_EQ(w.put(0, -1, "日x"), 2);
    EXPECT_EQ(w.at(0, 0), Cell{});
    EXPECT_EQ(w.text(), " x\n");
}

TEST(Screen, WideCharacterTakesTwoCells) {
    Screen s(6, 1);
    EXPECT_EQ(s.put(0, 0, "日本", kBold), 4);
    EXPECT_EQ(s.at(0, 0).glyph, "日");
    EXPECT_EQ(s.at(0, 0).width, 2);
    EXPECT_EQ(s.at(0, 1).glyph, "");
    EXPECT_EQ(s.at(0, 1).width, 0);
    EXPECT_EQ(s.at(0, 1).style, kBold);
    EXPECT_EQ(s.at(0, 2).glyph, "本");
    EXPECT_EQ(s.text(), "日本\n");
}

TEST(Screen, WideCharacterAtTheLastColumnBecomesABlank) {
    Screen s(5, 1);
    s.put(0, 0, "#####");
    EXPECT_EQ(s.put(0, 0, "abcd日x", kBold), 5);
    EXPECT_EQ(s.at(0, 4).glyph, "");
    EXPECT_EQ(s.at(0, 4).width, 1);
    EXPECT_EQ(s.at(0, 4).style, kBold);
    EXPECT_EQ(s.text(), "abcd\n");
}

TEST(Screen, OverwritingTheSecondHalfOfAWideCharacterBlanksTheFirst) {
    Screen s(6, 1);
    s.put(0, 0, "日本");
    s.put(0, 1, "x");
    EXPECT_EQ(s.at(0, 0), Cell{});
    EXPECT_EQ(s.at(0, 1).glyph, "x");
    EXPECT_EQ(s.at(0, 2).glyph, "本");
    EXPECT_EQ(s.text(), " x本\n");
}

TEST(Screen, OverwritingTheFirstHalfOfAWideCharacterBlanksTheSecond) {
    Screen s(6, 1);
    s.put(0, 0, "日本");
    s.put(0, 2, "y");
    EXPECT_EQ(s.at(0, 3), Cell{});
    EXPECT_EQ(s.text(), "日y\n");
}

TEST(Screen, WideOverWideAtAnOffsetLeavesNoHalves) {
    Screen s(6, 1);
    s.put(0, 0, "日本語");
    s.put(0, 1, "中");  // over the second half of 日 and the first of 本
    EXPECT_EQ(s.at(0, 0), Cell{});
    EXPECT_EQ(s.at(0, 1).glyph, "中");
    EXPECT_EQ(s.at(0, 2).width, 0);
    EXPECT_EQ(s.at(0, 3), Cell{});
    EXPECT_EQ(s.at(0, 4).glyph, "語");
    EXPECT_EQ(s.text(), " 中 語\n");
    for (int c = 0; c < s.width(); ++c) {
        const Cell& cell = s.at(0, c);
        if (cell.width == 2) {
            ASSERT_LT(c + 1, s.width());
            EXPECT_EQ(s.at(0, c + 1).width, 0) << c;
        }
        if (cell.width == 0) {
            ASSERT_GT(c, 0);
            EXPECT_EQ(s.at(0, c - 1).width, 2) << c;
        }
    }
}

TEST(Screen, CombiningMarksAttachToThePreviousCell) {
    Screen s(4, 1);
    EXPECT_EQ(s.put(0, 0, "e\u0301x\u0308\u0323"), 2);
    EXPECT_EQ(s.at(0, 0).glyph, "e\u0301");
    EXPECT_EQ(s.at(0, 1).glyph, "x\u0308\u0323");
    EXPECT_EQ(s.at(0, 2), Cell{});
    EXPECT_EQ(s.text(), "e\u0301x\u0308\u0323\n");
    // On a wide character too.
    Screen w(4, 1);
    EXPECT_EQ(w.put(0, 0, "日\u0301"), 2);
    EXPECT_EQ(w.at(0, 0).glyph, "日\u0301");
    EXPECT_EQ(w.at(0, 1).glyph, "");
}

TEST(Screen, CombiningMarkWithNothingBeforeItIsDropped) {
    Screen s(3, 1);
    EXPECT_EQ(s.put(0, 1, "\u0301a"), 2);
    EXPECT_EQ(s.at(0, 1).glyph, "a");
    EXPECT_EQ(s.text(), " a\n");
}

// put() is for sanitized text, but whatever it is given, no control, bidi
// character or invalid byte ends up in a cell (the adapter writes cells out).
TEST(Screen, UnsanitizedTextNeverPutsControlsInCells) {
    Screen s(16, 1);
    const int end = s.put(0, 0,
                          "a\x1b[2Jb\u202e"
                          "c\u0085"
                          "d\xff"
                          "e\x7f");
    EXPECT_EQ(end, 12);
    EXPECT_EQ(s.text(), "a\uFFFD[2Jbc\uFFFDd\uFFFDe\uFFFD\n");
    EXPECT_EQ(s.at(0, 1).glyph, "\uFFFD");
}

TEST(Screen, FillBlanksARangeInAStyle) {
    const Style bar{Color::normal, false, false, true};
    Screen s(6, 2);
    s.put(0, 0, "abcdef");
    s.fill(0, 1, 3, bar);
    EXPECT_EQ(s.text(), "a  def\n\n");
    EXPECT_EQ(s.at(0, 1), (Cell{{}, 1, bar}));
    EXPECT_EQ(s.at(0, 2), (Cell{{}, 1, bar}));
    EXPECT_EQ(s.at(0, 3).glyph, "d");
    // Clipped to the row; empty and inverted ranges and other rows do nothing.
    s.fill(1, -5, 50, bar);
    for (int c = 0; c < 6; ++c)
        EXPECT_EQ(s.at(1, c), (Cell{{}, 1, bar})) << c;
    s.fill(0, 4, 4, bar);
    s.fill(0, 5, 2, bar);
    s.fill(7, 0, 6, bar);
    EXPECT_EQ(s.text(), "a  def\n\n");
}

TEST(Screen, FillOverHalfAWideCharacterBlanksTheOtherHalf) {
    Screen s(6, 1);
    s.put(0, 0, "日本語");
    s.fill(0, 1, 3);  // second half of 日, first half of 本
    EXPECT_EQ(s.text(), "    語\n");
    for (int c = 0; c < 4; ++c)
        EXPECT_EQ(s.at(0, c), Cell{}) << c;
}

TEST(Screen, TextHasOneLinePerRowWithWideCharactersOnce) {
    Screen s(5, 3);
    s.put(0, 0, "ab");
    s.put(2, 1, "語x");
    EXPECT_EQ(s.text(), "ab\n\n 語x\n");
}

}  // namespace
}  // namespace mqchat
