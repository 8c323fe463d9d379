// The ncurses key decoder fed code sequences as wget_wch returns them: typing,
// editing keys, Ctrl and Alt, raw escape sequences, bracketed pastes, the wheel.
#include "tui/key_decoder.hpp"

// The decoder's input is ncurses' codes; the tests feed the real constants.
#include <curses.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace mqchat {
// Readable failures; static so another test file may print keys its own way.
[[maybe_unused]] static void PrintTo(const Key& key, std::ostream* out) {
    *out << "Key{kind " << static_cast<int>(key.kind) << ", text \"" << key.text << "\", letter "
         << static_cast<int>(key.letter) << "}";
}
}  // namespace mqchat

namespace mqchat::tui {
namespace {

using Kind = Key::Kind;

void chars(KeyDecoder& d, std::u32string_view text) {
    for (const char32_t c : text)
        d.feed(OK, static_cast<wint_t>(c));
}

void code(KeyDecoder& d, int key_code) {
    d.feed(KEY_CODE_YES, static_cast<wint_t>(key_code));
}

std::vector<Key> keys(std::initializer_list<Key> list) {
    return list;
}

Key k(Kind kind) {
    return Key::of(kind);
}

TEST(TuiKeyDecoderText, ConsecutivePrintablesAreOneKey) {
    KeyDecoder d;
    chars(d, U"héllo 日本語😀");
    EXPECT_EQ(d.take(), keys({Key::typed("héllo 日本語😀")}));
    EXPECT_TRUE(d.take().empty());
}

TEST(TuiKeyDecoderText, OtherKeysSplitTheText) {
    KeyDecoder d;
    chars(d, U"ab");
    code(d, KEY_LEFT);
    chars(d, U"c\rd");
    EXPECT_EQ(d.take(), keys({Key::typed("ab"), k(Kind::left), Key::typed("c"), k(Kind::enter),
                              Key::typed("d")}));
}

TEST(TuiKeyDecoderText, ControlsAndInvalidCodePointsTypeNothing) {
    KeyDecoder d;
    chars(d, U"a");
    d.feed(OK, 0);       // Ctrl-Space
    d.feed(OK, 0x1C);    // Ctrl-backslash
    d.feed(OK, 0x9B);    // C1 CSI
    d.feed(OK, 0xD800);  // a surrogate
    d.feed(OK, 0x110000);
    chars(d, U"b");
    EXPECT_EQ(d.take(), keys({Key::typed("ab")}));
}

TEST(TuiKeyDecoderText, UnknownStatusIsIgnored) {
    KeyDecoder d;
    d.feed(ERR, 'x');
    EXPECT_TRUE(d.take().empty());
}

TEST(TuiKeyDecoderKeys, EnterTabBackspaceDelete) {
    KeyDecoder d;
    chars(d, U"\r\n");
    code(d, KEY_ENTER);
    chars(d, U"\t");
    code(d, KEY_BTAB);
    code(d, KEY_BACKSPACE);
    d.feed(OK, 127);
    d.feed(OK, 8);
    code(d, KEY_DC);
    EXPECT_EQ(d.take(),
              keys({k(Kind::enter), k(Kind::enter), k(Kind::enter), k(Kind::tab), k(Kind::back_tab),
                    k(Kind::backspace), k(Kind::backspace), k(Kind::backspace), k(Kind::del)}));
}

TEST(TuiKeyDecoderKeys, NavigationCodes) {
    KeyDecoder d;
    for (const int c : {KEY_UP, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_FIND, KEY_END,
                        KEY_SELECT, KEY_PPAGE, KEY_NPAGE})
        code(d, c);
    EXPECT_EQ(d.take(), keys({k(Kind::up), k(Kind::down), k(Kind::left), k(Kind::right),
                              k(Kind::home), k(Kind::home), k(Kind::end), k(Kind::end),
                              k(Kind::page_up), k(Kind::page_down)}));
}

TEST(TuiKeyDecoderKeys, UnusedCodesAreIgnored) {
    KeyDecoder d;
    code(d, KEY_F(1));
    code(d, KEY_RESIZE);
    code(d, KEY_MOUSE);
    code(d, kPasteEndCode);  // a stray end marker
    chars(d, U"x");
    EXPECT_EQ(d.take(), keys({Key::typed("x")}));
}

TEST(TuiKeyDecoderKeys, RawSequencesNcursesLeftUndecoded) {
    KeyDecoder d;
    chars(d, U"\033[1~\033[4~\033[7~\033[8~\033[H\033[F\033OH\033OF");
    chars(d, U"\033[3~\033[5~\033[6~\033[A\033OB\033[1;5C\033[Z\033OM");
    EXPECT_EQ(d.take(), keys({k(Kind::home), k(Kind::end), k(Kind::home), k(Kind::end),
                              k(Kind::home), k(Kind::end), k(Kind::home), k(Kind::end),
                              k(Kind::del), k(Kind::page_up), k(Kind::page_down), k(Kind::up),
                              k(Kind::down), k(Kind::right), k(Kind::back_tab), k(Kind::enter)}));
    EXPECT_FALSE(d.waiting_for_escape());
}

TEST(TuiKeyDecoderKeys, UnknownSequencesAreSwallowed) {
    KeyDecoder d;
    chars(d, U"a\033[1;5P\033[15~\033[I\033OPb");  // Ctrl-F1, F5, focus in, F1
    chars(d, U"\033[" + std::u32string(100, U'9') + U"~c");
    EXPECT_EQ(d.take(), keys({Key::typed("abc")}));
}

TEST(TuiKeyDecoderKeys, CutOffSequenceReadsTheNextCharacter) {
    KeyDecoder d;
    chars(d, U"\033[1\rx");
    EXPECT_EQ(d.take(), keys({k(Kind::enter), Key::typed("x")}));
}

TEST(TuiKeyDecoderControl, LettersBecomeCtrl) {
    KeyDecoder d;
    std::vector<Key> expected;
    for (char32_t c = 1; c <= 26; ++c) {
        if (c == 8 || c == 9 || c == 10 || c == 13) continue;  // Backspace, Tab, Enter
        d.feed(OK, c);
        expected.push_back(Key::control(static_cast<char>('a' + (c - 1))));
    }
    EXPECT_EQ(d.take(), expected);
    chars(d, U"\x01\x17\x1a");
    EXPECT_EQ(d.take(), keys({Key::control('a'), Key::control('w'), Key::control('z')}));
}

TEST(TuiKeyDecoderAlt, EscapeThenCharacterIsAlt) {
    KeyDecoder d;
    chars(d, U"\033b\033f\033B\033.");
    EXPECT_EQ(d.take(), keys({Key::meta('b'), Key::meta('f'), Key::meta('B'), Key::meta('.')}));
}

TEST(TuiKeyDecoderAlt, DigitsOneToNine) {
    KeyDecoder d;
    std::vector<Key> expected;
    for (char c = '1'; c <= '9'; ++c) {
        chars(d, std::u32string{U'\033', static_cast<char32_t>(c)});
        expected.push_back(Key::meta(c));
    }
    EXPECT_EQ(d.take(), expected);
}

TEST(TuiKeyDecoderAlt, AltBetweenTyping) {
    KeyDecoder d;
    chars(d, U"ab\033bcd");
    EXPECT_EQ(d.take(), keys({Key::typed("ab"), Key::meta('b'), Key::typed("cd")}));
}

TEST(TuiKeyDecoderEscape, LoneEscapeWaitsForFlush) {
    KeyDecoder d;
    chars(d, U"\033");
    EXPECT_TRUE(d.take().empty());
    EXPECT_TRUE(d.waiting_for_escape());
    d.flush();
    EXPECT_EQ(d.take(), keys({k(Kind::escape)}));
    EXPECT_FALSE(d.waiting_for_escape());
    d.flush();  // nothing pending: nothing happens
    EXPECT_TRUE(d.take().empty());
}

TEST(TuiKeyDecoderEscape, TwoEscapes) {
    KeyDecoder d;
    chars(d, U"\033\033");
    EXPECT_EQ(d.take(), keys({k(Kind::escape)}));
    d.flush();
    EXPECT_EQ(d.take(), keys({k(Kind::escape)}));
}

TEST(TuiKeyDecoderEscape, EscapeBeforeAFunctionKeyOrEnter) {
    KeyDecoder d;
    chars(d, U"\033");
    code(d, KEY_UP);
    chars(d, U"\033\r\033é");
    EXPECT_EQ(d.take(), keys({k(Kind::escape), k(Kind::up), k(Kind::escape), k(Kind::enter),
                              k(Kind::escape), Key::typed("é")}));
}

TEST(TuiKeyDecoderEscape, BracketOrOAloneIsAlt) {
    KeyDecoder d;
    chars(d, U"\033[");
    d.flush();
    chars(d, U"\033O");
    d.flush();
    chars(d, U"\033[12");  // a cut-off sequence is no key
    d.flush();
    EXPECT_EQ(d.take(), keys({Key::meta('['), Key::meta('O')}));
}

TEST(TuiKeyDecoderWheel, WheelKeys) {
    KeyDecoder d;
    chars(d, U"a");
    d.feed_wheel(true);
    d.feed_wheel(false);
    EXPECT_EQ(d.take(), keys({Key::typed("a"), k(Kind::wheel_up), k(Kind::wheel_down)}));
}

TEST(TuiKeyDecoderPaste, CollectsOneKeyWithNewlinesNormalized) {
    KeyDecoder d;
    chars(d, U"a");
    code(d, kPasteBeginCode);
    chars(d, U"line1\r\nline2\rline3\nline4\t日本\r\r\n");
    code(d, KEY_ENTER);
    EXPECT_TRUE(d.in_paste());
    code(d, kPasteEndCode);
    chars(d, U"b");
    EXPECT_EQ(d.take(),
              keys({Key::typed("a"), Key::pasted("line1\nline2\nline3\nline4\t日本\n\n\n"),
                    Key::typed("b")}));
    EXPECT_FALSE(d.in_paste());
}

TEST(TuiKeyDecoderPaste, KeepsEscapeSequencesAndControlsAsText) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    chars(d, U"a\033[31mred\033[0m\x07\x03\x1b]0;title\x07");
    code(d, KEY_UP);  // ncurses decoded "\033[A" inside the paste: its bytes are gone
    code(d, kPasteBeginCode);
    chars(d, U"\033b\033\033[20x\x7f\x9b\U0010FFFF");
    d.feed(OK, 0xDC00);
    code(d, kPasteEndCode);
    chars(d, U"\033b");
    EXPECT_EQ(d.take(), keys({Key::pasted("a\033[31mred\033[0m\x07\x03\033]0;title\x07"
                                          "\033b\033\033[20x\x7f\xc2\x9b\xf4\x8f\xbf\xbf"
                                          "\xef\xbf\xbd"),
                              Key::meta('b')}));
}

TEST(TuiKeyDecoderPaste, RawMarkersWhenDefineKeyDidNotCatchThem) {
    KeyDecoder d;
    chars(d, U"\033[200~one\033[201two\033[201~x");
    EXPECT_EQ(d.take(), keys({Key::pasted("one\033[201two"), Key::typed("x")}));
}

TEST(TuiKeyDecoderPaste, MarkerPrefixBeforeTheEndCodeIsText) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    chars(d, U"abc\033[20");
    code(d, kPasteEndCode);
    EXPECT_EQ(d.take(), keys({Key::pasted("abc\033[20")}));
}

TEST(TuiKeyDecoderPaste, UnterminatedPasteEndsOnRequest) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    chars(d, U"abc\r\033[2");
    EXPECT_TRUE(d.take().empty());
    EXPECT_TRUE(d.in_paste());
    EXPECT_FALSE(d.waiting_for_escape());
    d.flush();  // the escape timeout does not end a paste
    EXPECT_TRUE(d.take().empty());
    d.end_paste();
    EXPECT_EQ(d.take(), keys({Key::pasted("abc\n\033[2")}));
    EXPECT_FALSE(d.in_paste());
    chars(d, U"x\r");
    code(d, kPasteEndCode);  // arriving late: ignored
    EXPECT_EQ(d.take(), keys({Key::typed("x"), k(Kind::enter)}));
}

TEST(TuiKeyDecoderPaste, EmptyPasteIsNoKey) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    code(d, kPasteEndCode);
    d.end_paste();
    EXPECT_TRUE(d.take().empty());
}

TEST(TuiKeyDecoderPaste, WheelInsideAPasteIsIgnored) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    chars(d, U"a");
    d.feed_wheel(true);
    code(d, kPasteEndCode);
    EXPECT_EQ(d.take(), keys({Key::pasted("a")}));
}

TEST(TuiKeyDecoderPaste, HugePasteIsCutButItsEndStillSeen) {
    KeyDecoder d;
    code(d, kPasteBeginCode);
    for (std::size_t i = 0; i < kMaxPasteBytes + 1000; ++i)
        d.feed(OK, 'x');
    chars(d, U"\033[201~y");
    const auto got = d.take();
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].kind, Kind::paste);
    EXPECT_EQ(got[0].text.size(), kMaxPasteBytes);
    EXPECT_EQ(got[1], Key::typed("y"));
}

}  // namespace
}  // namespace mqchat::tui
