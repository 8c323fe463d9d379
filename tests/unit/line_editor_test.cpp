// The input line editor: emacs keys over UTF-8 characters (wide, combining),
// hostile typed text, kills and yanks, history with a draft, and the
// horizontally scrolled view at narrow widths.
#include "core/line_editor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/key.hpp"
#include "core/unicode_width.hpp"
#include "hostile_corpus.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using Kind = Key::Kind;
using test_support::hostile_corpus;
using test_support::longest_zero_width_run;
using test_support::repeat;
using test_support::terminal_safety_problem;

const std::string kEAcute = "\xc3\xa9";              // é, 2 bytes
const std::string kNichi = "\xe6\x97\xa5";           // 日, wide
const std::string kHon = "\xe6\x9c\xac";             // 本, wide
const std::string kGrin = "\xf0\x9f\x98\x80";        // 😀, wide, 4 bytes
const std::string kAcute = "\xcc\x81";               // U+0301 combining acute
const std::string kReturnSymbol = " \xe2\x8f\x8e ";  // " ⏎ "

LineEditor with_text(const std::string& text) {
    LineEditor e;
    EXPECT_TRUE(e.handle(Key::typed(text)));
    return e;
}

void press(LineEditor& e, Kind kind, int times = 1) {
    for (int i = 0; i < times; ++i)
        EXPECT_TRUE(e.handle(Key::of(kind)));
}

void ctrl(LineEditor& e, char letter, int times = 1) {
    for (int i = 0; i < times; ++i)
        EXPECT_TRUE(e.handle(Key::control(letter))) << "Ctrl-" << letter;
}

void alt(LineEditor& e, char letter, int times = 1) {
    for (int i = 0; i < times; ++i)
        EXPECT_TRUE(e.handle(Key::meta(letter))) << "Alt-" << letter;
}

void type(LineEditor& e, const std::string& text) {
    EXPECT_TRUE(e.handle(Key::typed(text)));
}

// --- typing

TEST(LineEditorTyping, InsertsAtTheCursor) {
    LineEditor e;
    EXPECT_TRUE(e.empty());
    type(e, "hello");
    EXPECT_EQ(e.text(), "hello");
    EXPECT_EQ(e.cursor(), 5U);
    press(e, Kind::left, 2);
    type(e, "XY");
    EXPECT_EQ(e.text(), "helXYlo");
    EXPECT_EQ(e.cursor(), 5U);
    EXPECT_FALSE(e.empty());
    type(e, "");
    EXPECT_EQ(e.text(), "helXYlo");
}

TEST(LineEditorTyping, MultibyteAndWideCharacters) {
    LineEditor e;
    type(e, kEAcute);
    type(e, kNichi + kHon);
    type(e, kGrin);
    EXPECT_EQ(e.text(), kEAcute + kNichi + kHon + kGrin);
    EXPECT_EQ(e.cursor(), e.text().size());
    press(e, Kind::left, 2);
    type(e, "x");
    EXPECT_EQ(e.text(), kEAcute + kNichi + "x" + kHon + kGrin);
}

TEST(LineEditorTyping, CombiningMarkTypedAloneJoinsThePreviousCharacter) {
    LineEditor e = with_text("e");
    type(e, kAcute);
    EXPECT_EQ(e.text(), "e" + kAcute);
    press(e, Kind::left);
    EXPECT_EQ(e.cursor(), 0U);
}

TEST(LineEditorTyping, MarksWithNothingToJoinAreDropped) {
    LineEditor e;
    type(e, kAcute + "a");
    EXPECT_EQ(e.text(), "a");
    press(e, Kind::home);
    type(e, kAcute);
    EXPECT_EQ(e.text(), "a");
    EXPECT_EQ(e.cursor(), 0U);
}

TEST(LineEditorTyping, StackedMarksAreCappedAcrossKeys) {
    LineEditor e = with_text("e");
    for (int i = 0; i < 20; ++i)
        type(e, kAcute);
    EXPECT_EQ(e.text(), "e" + repeat(kAcute, 8));
    type(e, "x" + repeat(kAcute, 20));
    EXPECT_EQ(e.text(), "e" + repeat(kAcute, 8) + "x" + repeat(kAcute, 8));
}

TEST(LineEditorTyping, HostileTextNeverEntersTheLine) {
    const struct {
        std::string typed;
        std::string kept;
    } cases[] = {
        {"\x1b[31mred\x1b[0m", "red"},
        {"a\xc2\x9b"
         "31mb",
         "ab"},  // 8-bit CSI as UTF-8
        {"a\xc2\x85"
         "b\xc2\x8d"
         "c",
         "abc"},                       // C1 NEL, RI
        {"x\x1b]0;pwned\x07y", "xy"},  // OSC title
        {"abc\xe2\x80\xae"
         "fed",
         "abcfed"},  // RLO bidi override
        {"\xe2\x81\xa6"
         "a\xe2\x81\xa9",
         "a"},  // LRI ... PDI
        {"a\x7f"
         "b\x08"
         "c",
         "abc"},                              // DEL, BS
        {"a\nb", "a" + kReturnSymbol + "b"},  // folded
        {"a\r\nb", "a" + kReturnSymbol + "b"},
        {"a\tb", "a b"},
        {"a\xff"
         "b",
         "a\xef\xbf\xbd"
         "b"},  // invalid UTF-8
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.kept);
        LineEditor e = with_text(c.typed);
        EXPECT_EQ(e.text(), c.kept);
        EXPECT_EQ(e.cursor(), c.kept.size());
    }
}

TEST(LineEditorTyping, HostileCorpusStaysTerminalSafeEveryWayIn) {
    for (const auto& c : hostile_corpus()) {
        SCOPED_TRACE(c.name);
        LineEditor typed = with_text(c.input);
        LineEditor set;
        set.set_text(c.input);
        LineEditor inserted = with_text("ab");
        press(inserted, Kind::left);
        inserted.insert(c.input);
        for (const LineEditor* e : {&typed, &set, &inserted}) {
            EXPECT_EQ(terminal_safety_problem(e->text()), "");
            EXPECT_EQ(e->text().find('\n'), std::string::npos);
            EXPECT_EQ(e->text().find('\x1b'), std::string::npos);
            EXPECT_LE(longest_zero_width_run(e->text()), 8U);
        }
    }
}

TEST(LineEditorTyping, LineIsLimitedAtACharacterBoundary) {
    LineEditor e;
    e.insert(std::string(LineEditor::kMaxBytes + 100, 'a'));
    EXPECT_EQ(e.text().size(), LineEditor::kMaxBytes);
    type(e, "b");
    EXPECT_EQ(e.text().size(), LineEditor::kMaxBytes);
    EXPECT_EQ(e.text().back(), 'a');

    // One byte of room: a 2-byte é does not fit, and is not split.
    e.set_text(std::string(LineEditor::kMaxBytes - 1, 'a'));
    type(e, kEAcute + kEAcute);
    EXPECT_EQ(e.text().size(), LineEditor::kMaxBytes - 1);
    type(e, "z" + kEAcute);
    EXPECT_EQ(e.text().size(), LineEditor::kMaxBytes);
    EXPECT_EQ(e.text().back(), 'z');

    // e + U+0301 is one character: all of it or none of it.
    e.set_text(std::string(LineEditor::kMaxBytes - 2, 'a'));
    type(e, "e" + kAcute);
    EXPECT_EQ(e.text().size(), LineEditor::kMaxBytes - 2);
    e.set_text(std::string(LineEditor::kMaxBytes - 3, 'a'));
    type(e, "e" + kAcute + "f");
    EXPECT_EQ(e.text(), std::string(LineEditor::kMaxBytes - 3, 'a') + "e" + kAcute);
    EXPECT_EQ(e.cursor(), e.text().size());
}

TEST(LineEditorTyping, SetTextSanitizesAndPutsTheCursorAtTheEnd) {
    LineEditor e = with_text("old");
    press(e, Kind::home);
    e.set_text("new\x1b[2J text\nmore");
    EXPECT_EQ(e.text(), "new text" + kReturnSymbol + "more");
    EXPECT_EQ(e.cursor(), e.text().size());
    e.set_text("");
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(e.cursor(), 0U);
}

TEST(LineEditorTyping, InsertGoesAtTheCursor) {
    LineEditor e = with_text("ac");
    press(e, Kind::left);
    e.insert("b\x1b[1m");
    EXPECT_EQ(e.text(), "abc");
    EXPECT_EQ(e.cursor(), 2U);
}

// --- motion

// a é 日 😀 e+◌́ b: characters start at these byte offsets.
const std::string kMixed = "a" + kEAcute + kNichi + kGrin + "e" + kAcute + "b";
const std::size_t kMixedStops[] = {0, 1, 3, 6, 10, 13, 14};

TEST(LineEditorMotion, LeftAndRightStepOverWholeCharacters) {
    LineEditor e = with_text(kMixed);
    ASSERT_EQ(e.text().size(), 14U);
    for (int i = 6; i >= 0; --i) {
        EXPECT_EQ(e.cursor(), kMixedStops[i]);
        press(e, Kind::left);
    }
    EXPECT_EQ(e.cursor(), 0U);
    for (int i = 0; i <= 6; ++i) {
        EXPECT_EQ(e.cursor(), kMixedStops[i]);
        press(e, Kind::right);
    }
    EXPECT_EQ(e.cursor(), 14U);
}

TEST(LineEditorMotion, CtrlBAndCtrlFStepLikeTheArrows) {
    LineEditor e = with_text(kMixed);
    for (int i = 6; i >= 0; --i) {
        EXPECT_EQ(e.cursor(), kMixedStops[i]);
        ctrl(e, 'b');
    }
    for (int i = 0; i <= 6; ++i) {
        EXPECT_EQ(e.cursor(), kMixedStops[i]);
        ctrl(e, 'f');
    }
    EXPECT_EQ(e.cursor(), 14U);
}

TEST(LineEditorMotion, HomeEndAndCtrlACtrlE) {
    LineEditor e = with_text(kMixed);
    press(e, Kind::home);
    EXPECT_EQ(e.cursor(), 0U);
    press(e, Kind::end);
    EXPECT_EQ(e.cursor(), 14U);
    ctrl(e, 'a');
    EXPECT_EQ(e.cursor(), 0U);
    ctrl(e, 'e');
    EXPECT_EQ(e.cursor(), 14U);
}

TEST(LineEditorMotion, AltFAndAltBMoveByWords) {
    LineEditor e = with_text("foo-bar  baz.qux");
    press(e, Kind::home);
    for (const std::size_t stop : {3U, 7U, 12U, 16U, 16U}) {
        alt(e, 'f');
        EXPECT_EQ(e.cursor(), stop);
    }
    for (const std::size_t stop : {13U, 9U, 4U, 0U, 0U}) {
        alt(e, 'b');
        EXPECT_EQ(e.cursor(), stop);
    }
}

TEST(LineEditorMotion, NonAsciiLettersAreWordCharacters) {
    // "café über 日本!" with é as e + U+0301 in café.
    const std::string cafe = "cafe" + kAcute;
    const std::string uber =
        "\xc3\xbc"
        "ber";
    LineEditor e = with_text(cafe + " " + uber + " " + kNichi + kHon + "!");
    press(e, Kind::home);
    alt(e, 'f');
    EXPECT_EQ(e.cursor(), cafe.size());
    alt(e, 'f');
    EXPECT_EQ(e.cursor(), cafe.size() + 1 + uber.size());
    alt(e, 'f');
    EXPECT_EQ(e.cursor(), e.text().size() - 1);
    alt(e, 'b');
    EXPECT_EQ(e.cursor(), cafe.size() + 1 + uber.size() + 1);
    alt(e, 'b');
    alt(e, 'b');
    EXPECT_EQ(e.cursor(), 0U);
}

// --- deletion

TEST(LineEditorDelete, BackspaceAndCtrlHDeleteTheCharacterBefore) {
    LineEditor e = with_text(kMixed);
    press(e, Kind::backspace);
    EXPECT_EQ(e.text(), "a" + kEAcute + kNichi + kGrin + "e" + kAcute);
    press(e, Kind::backspace);  // e + U+0301 together
    EXPECT_EQ(e.text(), "a" + kEAcute + kNichi + kGrin);
    ctrl(e, 'h');
    EXPECT_EQ(e.text(), "a" + kEAcute + kNichi);
    press(e, Kind::left);
    press(e, Kind::backspace);
    EXPECT_EQ(e.text(), "a" + kNichi);
    EXPECT_EQ(e.cursor(), 1U);
    press(e, Kind::home);
    press(e, Kind::backspace);
    EXPECT_EQ(e.text(), "a" + kNichi);
}

TEST(LineEditorDelete, DeleteAndCtrlDDeleteTheCharacterAfter) {
    LineEditor e = with_text("e" + kAcute + kGrin + "xy");
    press(e, Kind::home);
    press(e, Kind::del);
    EXPECT_EQ(e.text(), kGrin + "xy");
    ctrl(e, 'd');
    EXPECT_EQ(e.text(), "xy");
    EXPECT_EQ(e.cursor(), 0U);
    press(e, Kind::end);
    press(e, Kind::del);
    ctrl(e, 'd');  // at the end of a non-empty line: handled, nothing to delete
    EXPECT_EQ(e.text(), "xy");
}

TEST(LineEditorDelete, CtrlDOnAnEmptyLineIsTheCallers) {
    LineEditor e;
    EXPECT_FALSE(e.handle(Key::control('d')));
    type(e, "a");
    EXPECT_TRUE(e.handle(Key::control('d')));
    press(e, Kind::backspace);
    EXPECT_FALSE(e.handle(Key::control('d')));
}

// --- kill and yank

TEST(LineEditorKill, CtrlKKillsToTheEndAndCtrlYYanks) {
    LineEditor e = with_text("hello " + kNichi + kHon);
    press(e, Kind::home);
    alt(e, 'f');
    ctrl(e, 'k');
    EXPECT_EQ(e.text(), "hello");
    press(e, Kind::home);
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), " " + kNichi + kHon + "hello");
    EXPECT_EQ(e.cursor(), 7U);
}

TEST(LineEditorKill, CtrlUKillsToTheStart) {
    LineEditor e = with_text("one two");
    press(e, Kind::left, 3);
    ctrl(e, 'u');
    EXPECT_EQ(e.text(), "two");
    EXPECT_EQ(e.cursor(), 0U);
    press(e, Kind::end);
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), "twoone ");
}

TEST(LineEditorKill, CtrlWKillsTheWhitespaceDelimitedWordBefore) {
    LineEditor e = with_text("say hi@x.org/a  ");
    ctrl(e, 'w');
    EXPECT_EQ(e.text(), "say ");
    ctrl(e, 'w');
    EXPECT_EQ(e.text(), "");
    ctrl(e, 'y');  // consecutive kills accumulate in order
    EXPECT_EQ(e.text(), "say hi@x.org/a  ");
}

TEST(LineEditorKill, CtrlWKillsWideAndCombiningWords) {
    LineEditor e = with_text(kNichi + kHon + " cafe" + kAcute);
    ctrl(e, 'w');
    EXPECT_EQ(e.text(), kNichi + kHon + " ");
    ctrl(e, 'w');
    EXPECT_EQ(e.text(), "");
}

TEST(LineEditorKill, AltDKillsTheWordAfter) {
    LineEditor e = with_text("foo bar, baz");
    press(e, Kind::home);
    alt(e, 'f');
    alt(e, 'd');
    EXPECT_EQ(e.text(), "foo, baz");
    EXPECT_EQ(e.cursor(), 3U);
    alt(e, 'd');
    EXPECT_EQ(e.text(), "foo");
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), "foo bar, baz");
}

TEST(LineEditorKill, AKillAfterAnotherKeyReplacesTheBuffer) {
    LineEditor e = with_text("abc def");
    ctrl(e, 'w');
    press(e, Kind::left, 2);
    ctrl(e, 'k');  // the buffer holds "c ", not "c def"
    EXPECT_EQ(e.text(), "ab");
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), "abc ");
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), "abc c ");
}

TEST(LineEditorKill, NothingToKillKeepsTheBufferAndYankOfNothingIsHarmless) {
    LineEditor e;
    ctrl(e, 'y');
    EXPECT_TRUE(e.empty());
    type(e, "word");
    ctrl(e, 'u');
    ctrl(e, 'k');
    press(e, Kind::left);
    ctrl(e, 'u');
    ctrl(e, 'y');
    EXPECT_EQ(e.text(), "word");
}

TEST(LineEditorKill, CtrlTTransposesCharacters) {
    LineEditor e = with_text("abc");
    ctrl(e, 't');
    EXPECT_EQ(e.text(), "acb");
    EXPECT_EQ(e.cursor(), 3U);
    press(e, Kind::home);
    ctrl(e, 't');
    EXPECT_EQ(e.text(), "acb");
    press(e, Kind::right);
    ctrl(e, 't');
    EXPECT_EQ(e.text(), "cab");
    EXPECT_EQ(e.cursor(), 2U);

    LineEditor wide = with_text(kEAcute + "e" + kAcute + kNichi);
    ctrl(wide, 't');
    EXPECT_EQ(wide.text(), kEAcute + kNichi + "e" + kAcute);
    LineEditor one = with_text(kGrin);
    ctrl(one, 't');
    EXPECT_EQ(one.text(), kGrin);
}

// --- keys for the caller

TEST(LineEditorKeys, KeysItDoesNotHandleAreLeftAlone) {
    LineEditor e = with_text("keep");
    press(e, Kind::left);
    const Key others[] = {
        Key::of(Kind::enter),     Key::of(Kind::tab),
        Key::of(Kind::back_tab),  Key::of(Kind::page_up),
        Key::of(Kind::page_down), Key::of(Kind::escape),
        Key::of(Kind::wheel_up),  Key::of(Kind::wheel_down),
        Key::pasted("pasted"),    Key::control('c'),
        Key::control('l'),        Key::control('n'),
        Key::control('p'),        Key::control('g'),
        Key::meta('1'),           Key::meta('9'),
        Key::meta('x'),
    };
    for (const Key& key : others) {
        EXPECT_FALSE(e.handle(key)) << static_cast<int>(key.kind) << " " << key.letter;
        EXPECT_EQ(e.text(), "keep");
        EXPECT_EQ(e.cursor(), 3U);
    }
}

// --- history

TEST(LineEditorHistory, SubmitReturnsTheLineAndRecordsIt) {
    LineEditor e = with_text("first");
    press(e, Kind::home);
    EXPECT_EQ(e.submit(), "first");
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(e.cursor(), 0U);
    EXPECT_EQ(e.submit(), "");
    type(e, "first");
    e.submit();
    type(e, "second");
    e.submit();
    ASSERT_EQ(e.history().size(), 2U);
    EXPECT_EQ(e.history()[0], "first");
    EXPECT_EQ(e.history()[1], "second");
}

TEST(LineEditorHistory, UpAndDownWalkWithADraft) {
    LineEditor e;
    for (const char* line : {"one", "two", "three"}) {
        type(e, line);
        e.submit();
    }
    type(e, "dra");
    press(e, Kind::left);
    press(e, Kind::up);
    EXPECT_EQ(e.text(), "three");
    EXPECT_EQ(e.cursor(), 5U);
    press(e, Kind::up);
    EXPECT_EQ(e.text(), "two");
    press(e, Kind::up);
    press(e, Kind::up);  // stays on the oldest
    EXPECT_EQ(e.text(), "one");
    press(e, Kind::down);
    press(e, Kind::down);
    EXPECT_EQ(e.text(), "three");
    press(e, Kind::down);
    EXPECT_EQ(e.text(), "dra");
    EXPECT_EQ(e.cursor(), 3U);
    press(e, Kind::down);  // already on the live line
    EXPECT_EQ(e.text(), "dra");
}

TEST(LineEditorHistory, EditingARecalledEntryEditsACopy) {
    LineEditor e;
    type(e, "hello");
    e.submit();
    press(e, Kind::up);
    type(e, " world");
    ctrl(e, 'a');
    ctrl(e, 'k');
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(e.history().front(), "hello");
    press(e, Kind::down);
    EXPECT_TRUE(e.empty());  // the (empty) draft
    press(e, Kind::up);
    EXPECT_EQ(e.text(), "hello");
    type(e, "!");
    EXPECT_EQ(e.submit(), "hello!");
    ASSERT_EQ(e.history().size(), 2U);
    EXPECT_EQ(e.history()[0], "hello");
    EXPECT_EQ(e.history()[1], "hello!");
    press(e, Kind::up);  // submit returned to the live line
    EXPECT_EQ(e.text(), "hello!");
}

TEST(LineEditorHistory, SkipsEmptyLinesAndRepeatsOfTheNewest) {
    LineEditor e;
    for (const char* line : {"a", "a", "", "b", "a"}) {
        type(e, line);
        e.submit();
    }
    ASSERT_EQ(e.history().size(), 3U);
    EXPECT_EQ(e.history()[0], "a");
    EXPECT_EQ(e.history()[1], "b");
    EXPECT_EQ(e.history()[2], "a");
}

TEST(LineEditorHistory, KeepsOnlyTheNewestEntries) {
    LineEditor e(3);
    for (const char* line : {"1", "2", "3", "4", "5"}) {
        type(e, line);
        e.submit();
    }
    ASSERT_EQ(e.history().size(), 3U);
    EXPECT_EQ(e.history().front(), "3");
    press(e, Kind::up, 5);
    EXPECT_EQ(e.text(), "3");

    LineEditor none(0);
    type(none, "x");
    none.submit();
    EXPECT_TRUE(none.history().empty());
    press(none, Kind::up);
    EXPECT_TRUE(none.empty());
}

// --- completion support

TEST(LineEditorCompletion, WordBeforeCursor) {
    LineEditor e = with_text("hi @al");
    EXPECT_EQ(e.word_before_cursor(), "@al");
    press(e, Kind::left);
    EXPECT_EQ(e.word_before_cursor(), "@a");
    type(e, " ");
    EXPECT_EQ(e.word_before_cursor(), "");
    press(e, Kind::home);
    EXPECT_EQ(e.word_before_cursor(), "");
    LineEditor wide = with_text("/j " + kNichi + kHon);
    EXPECT_EQ(wide.word_before_cursor(), kNichi + kHon);
}

TEST(LineEditorCompletion, ReplaceWordBeforeCursor) {
    LineEditor e = with_text("hi @al, ok");
    press(e, Kind::left, 4);
    e.replace_word_before_cursor("@alice");
    EXPECT_EQ(e.text(), "hi @alice, ok");
    EXPECT_EQ(e.cursor(), 9U);
    LineEditor start = with_text("bo");
    start.replace_word_before_cursor("bob\x1b[31m: ");
    EXPECT_EQ(start.text(), "bob: ");
    EXPECT_EQ(start.cursor(), 5U);
}

// --- view

// The slice must be a piece of the text starting at a character, hold the
// cursor, fit the width, and put the cursor where it is in the text.
void check_view(LineEditor& e, int width) {
    SCOPED_TRACE("width " + std::to_string(width) + " cursor " + std::to_string(e.cursor()));
    const LineEditor::View v = e.view(width);
    const std::string& text = e.text();
    const std::size_t slice_width = unicode::display_width(v.text);
    ASSERT_GE(v.cursor_col, 0);
    ASSERT_LT(v.cursor_col, std::max(width, 1));
    ASSERT_LE(static_cast<std::size_t>(v.cursor_col), slice_width);
    ASSERT_LE(slice_width, static_cast<std::size_t>(std::max(width, 1)));
    bool found = false;
    for (std::size_t at = text.find(v.text); at != std::string::npos && !found;
         at = text.find(v.text, at + 1)) {
        if (at > e.cursor() || e.cursor() > at + v.text.size()) continue;
        if (unicode::display_width(std::string_view(text).substr(at, e.cursor() - at)) !=
            static_cast<std::size_t>(v.cursor_col))
            continue;
        // The character under the cursor is shown whenever it can be.
        if (e.cursor() < text.size() && width >= 2) {
            if (e.cursor() == at + v.text.size()) continue;
        }
        found = true;
    }
    EXPECT_TRUE(found) << "slice '" << v.text << "' col " << v.cursor_col;
}

TEST(LineEditorView, ShortTextIsShownWhole) {
    LineEditor e = with_text(kNichi + kHon + "ab");
    LineEditor::View v = e.view(20);
    EXPECT_EQ(v.text, e.text());
    EXPECT_EQ(v.cursor_col, 6);
    press(e, Kind::left, 3);
    v = e.view(20);
    EXPECT_EQ(v.text, e.text());
    EXPECT_EQ(v.cursor_col, 2);
    LineEditor empty;
    v = empty.view(1);
    EXPECT_EQ(v.text, "");
    EXPECT_EQ(v.cursor_col, 0);
}

TEST(LineEditorView, WidthOne) {
    LineEditor e = with_text("a" + kNichi + "b");
    LineEditor::View v = e.view(1);
    EXPECT_EQ(v.text, "");  // the cursor after the end takes the only cell
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::left);
    v = e.view(1);
    EXPECT_EQ(v.text, "b");
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::left);
    v = e.view(1);
    EXPECT_EQ(v.text, "");  // 日 cannot be drawn in one column
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::left);
    v = e.view(1);
    EXPECT_EQ(v.text, "a");
    EXPECT_EQ(v.cursor_col, 0);
    v = e.view(0);  // treated as 1
    EXPECT_EQ(v.text, "a");
    EXPECT_EQ(v.cursor_col, 0);
}

TEST(LineEditorView, WidthTwo) {
    LineEditor e = with_text(kNichi + kHon);
    LineEditor::View v = e.view(2);
    EXPECT_EQ(v.text, "");  // 本 and the cursor after it need three columns
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::left);
    v = e.view(2);
    EXPECT_EQ(v.text, kHon);
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::left);
    v = e.view(2);
    EXPECT_EQ(v.text, kNichi);
    EXPECT_EQ(v.cursor_col, 0);

    LineEditor ascii = with_text("abc");
    v = ascii.view(2);
    EXPECT_EQ(v.text, "c");
    EXPECT_EQ(v.cursor_col, 1);
}

TEST(LineEditorView, WidthFiveLeavesOutAWideCharacterAtTheEdge) {
    LineEditor e = with_text("abcd" + kNichi + "ef");
    press(e, Kind::home);
    LineEditor::View v = e.view(5);
    EXPECT_EQ(v.text, "abcd");  // 日 would straddle columns 4 and 5
    EXPECT_EQ(v.cursor_col, 0);
    press(e, Kind::right, 3);
    v = e.view(5);
    EXPECT_EQ(v.text, "abcd");
    EXPECT_EQ(v.cursor_col, 3);
    // On 日 the cursor's character must be visible: jump, a third of the width back.
    press(e, Kind::right);
    v = e.view(5);
    EXPECT_EQ(v.text, "cd" + kNichi + "e");
    EXPECT_EQ(v.cursor_col, 2);
}

TEST(LineEditorView, WidthFiveAtTheEndOfWideText) {
    LineEditor e = with_text("ab" + kNichi + kHon);
    LineEditor::View v = e.view(5);
    EXPECT_EQ(v.text, kHon);
    EXPECT_EQ(v.cursor_col, 2);
    press(e, Kind::home);
    v = e.view(5);
    EXPECT_EQ(v.text, "ab" + kNichi);
    EXPECT_EQ(v.cursor_col, 0);
}

TEST(LineEditorView, StableWhileTheCursorStaysInsideTheWindow) {
    const std::string text = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
    LineEditor e = with_text(text);
    LineEditor::View v = e.view(10);
    EXPECT_EQ(v.text, "yzABCD");  // jumped right: the cursor a third from the edge
    EXPECT_EQ(v.cursor_col, 6);
    for (int col = 5; col >= 0; --col) {
        press(e, Kind::left);
        v = e.view(10);
        EXPECT_EQ(v.text, "yzABCD");
        EXPECT_EQ(v.cursor_col, col);
    }
    press(e, Kind::left);  // leaves on the left: a third of context before it
    v = e.view(10);
    EXPECT_EQ(v.text, "uvwxyzABCD");
    EXPECT_EQ(v.cursor_col, 3);

    press(e, Kind::home);
    v = e.view(10);
    EXPECT_EQ(v.text, "0123456789");
    EXPECT_EQ(v.cursor_col, 0);
    for (int col = 1; col <= 9; ++col) {
        press(e, Kind::right);
        v = e.view(10);
        EXPECT_EQ(v.text, "0123456789");
        EXPECT_EQ(v.cursor_col, col);
    }
    press(e, Kind::right);
    v = e.view(10);
    EXPECT_EQ(v.text, "456789abcd");
    EXPECT_EQ(v.cursor_col, 6);
    for (int col = 5; col >= 0; --col) {
        press(e, Kind::left);
        v = e.view(10);
        EXPECT_EQ(v.text, "456789abcd");
        EXPECT_EQ(v.cursor_col, col);
    }
}

TEST(LineEditorView, TypingAtTheEndScrollsInSteps) {
    LineEditor e;
    int jumps = 0;
    std::string last;
    for (int i = 0; i < 60; ++i) {
        type(e, std::string(1, static_cast<char>('a' + i % 26)));
        const LineEditor::View v = e.view(12);
        EXPECT_LT(v.cursor_col, 12);
        EXPECT_EQ(static_cast<std::size_t>(v.cursor_col), v.text.size());
        if (!last.empty() && v.text.substr(0, 1) != last.substr(0, 1)) ++jumps;
        last = v.text;
    }
    EXPECT_LT(jumps, 60 / 4);  // a jump per third of the width, not per key
}

TEST(LineEditorView, InvariantsAtEveryCursorPositionAndWidth) {
    const std::string text = "a" + kNichi + "b" + kGrin + kHon + "e" + kAcute + "cd" + kNichi +
                             kEAcute + kGrin + "xyz" + kHon + kHon + "q";
    for (const int width : {1, 2, 3, 4, 5, 6, 7, 8, 11, 20, 40}) {
        LineEditor e = with_text(text);
        check_view(e, width);
        while (e.cursor() > 0) {
            press(e, Kind::left);
            check_view(e, width);
        }
        while (e.cursor() < e.text().size()) {
            press(e, Kind::right);
            check_view(e, width);
        }
        alt(e, 'b', 3);
        check_view(e, width);
        ctrl(e, 'w');
        check_view(e, width);
        ctrl(e, 'u');
        check_view(e, width);
    }
}

TEST(LineEditorView, FollowsEditsThatMoveTheScrolledPart) {
    LineEditor e = with_text(std::string(30, 'x') + kNichi + kHon);
    press(e, Kind::left, 2);
    e.view(8);
    ctrl(e, 'u');  // everything before the cursor, and the scroll position, is gone
    LineEditor::View v = e.view(8);
    EXPECT_EQ(v.text, kNichi + kHon);
    EXPECT_EQ(v.cursor_col, 0);
    e.set_text(std::string(30, 'y'));
    e.view(8);
    e.set_text("z");
    v = e.view(8);
    EXPECT_EQ(v.text, "z");
    EXPECT_EQ(v.cursor_col, 1);
    e.set_text(std::string(30, 'y'));
    v = e.view(8);
    EXPECT_EQ(v.text, std::string(5, 'y'));
    press(e, Kind::left, 5);
    EXPECT_EQ(e.view(8).cursor_col, 0);
    type(e, kAcute);  // joins the character before the scroll's start
    check_view(e, 8);
    v = e.view(8);
    EXPECT_EQ(v.text, "y" + kAcute + "yyyyy");
    EXPECT_EQ(v.cursor_col, 1);
}

// After a one-column frame the scroll sits right at the cursor; when the
// terminal grows back the text before it comes back into view.
TEST(LineEditorView, GrowingAfterANarrowFrameFillsTheView) {
    LineEditor e = with_text(std::string(100, 'x') + "yz");
    EXPECT_EQ(e.view(1).text, "");
    // 80 columns: a scroll step's room (80 / 3) after the end, as when typing.
    LineEditor::View v = e.view(80);
    EXPECT_EQ(v.text, std::string(51, 'x') + "yz");
    EXPECT_EQ(v.cursor_col, 53);
    press(e, Kind::left, 2);
    EXPECT_EQ(e.view(3).text, "xyz");
    v = e.view(40);
    EXPECT_EQ(v.text, std::string(24, 'x') + "yz");
    EXPECT_EQ(v.cursor_col, 24);
}

}  // namespace
}  // namespace mqchat
