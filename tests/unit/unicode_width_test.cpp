// The width policy: wcwidth columns per code point, and the emoji sequence
// glue dropped by the sanitizer so a sanitized string is as wide as it draws.
#include "core/unicode_width.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/sanitize.hpp"
#include "core/utf8.hpp"
#include "hostile_corpus.hpp"

namespace mqchat {
namespace {

using unicode::codepoint_width;
using unicode::display_width;
using unicode::is_invisible;

std::size_t sum_of_codepoint_widths(const std::string& s) {
    std::size_t sum = 0;
    for (std::size_t pos = 0; pos < s.size();) {
        const auto d = utf8::decode(s, pos);
        pos += d.length;
        const int w = codepoint_width(d.codepoint);
        EXPECT_GE(w, 0) << "U+" << std::hex << static_cast<unsigned>(d.codepoint);
        sum += static_cast<std::size_t>(w < 0 ? 0 : w);
    }
    return sum;
}

TEST(CodepointWidth, AsciiPrintableIsOne) {
    for (char32_t cp = 0x20; cp < 0x7F; ++cp)
        EXPECT_EQ(codepoint_width(cp), 1) << static_cast<char>(cp);
}

TEST(CodepointWidth, ControlsAreNotPrintable) {
    for (char32_t cp = 0; cp < 0x20; ++cp)
        EXPECT_EQ(codepoint_width(cp), -1);
    for (char32_t cp = 0x7F; cp < 0xA0; ++cp)
        EXPECT_EQ(codepoint_width(cp), -1);
    EXPECT_EQ(codepoint_width(0xD800), -1);  // surrogates
    EXPECT_EQ(codepoint_width(0xDFFF), -1);
    EXPECT_EQ(codepoint_width(0x110000), -1);
    EXPECT_EQ(codepoint_width(0xFFFFFFFF), -1);
    EXPECT_EQ(codepoint_width(0xFFFE), -1);  // noncharacter
    EXPECT_EQ(codepoint_width(0x0378), -1);  // unassigned
    EXPECT_EQ(codepoint_width(0x2028), -1);  // line separator
}

TEST(CodepointWidth, LatinAndSymbolsAreOne) {
    EXPECT_EQ(codepoint_width(0xA0), 1);
    EXPECT_EQ(codepoint_width(0xE9), 1);    // é
    EXPECT_EQ(codepoint_width(0x03A9), 1);  // Ω
    EXPECT_EQ(codepoint_width(0x0416), 1);  // Ж
    EXPECT_EQ(codepoint_width(0x2713), 1);  // ✓
    EXPECT_EQ(codepoint_width(0x23CE), 1);  // ⏎, the sanitizer's line-break mark
    EXPECT_EQ(codepoint_width(0xFFFD), 1);  // the replacement character
    EXPECT_EQ(codepoint_width(0x2764), 1);  // ❤ without VS16 is text presentation
}

TEST(CodepointWidth, CjkIsTwo) {
    EXPECT_EQ(codepoint_width(0x4E00), 2);   // 一
    EXPECT_EQ(codepoint_width(0x6F22), 2);   // 漢
    EXPECT_EQ(codepoint_width(0x3042), 2);   // あ
    EXPECT_EQ(codepoint_width(0xAC00), 2);   // 가
    EXPECT_EQ(codepoint_width(0x3000), 2);   // ideographic space
    EXPECT_EQ(codepoint_width(0xFF21), 2);   // fullwidth A
    EXPECT_EQ(codepoint_width(0x20000), 2);  // CJK extension B
}

TEST(CodepointWidth, EmojiAreTwo) {
    EXPECT_EQ(codepoint_width(0x1F600), 2);  // 😀
    EXPECT_EQ(codepoint_width(0x1F44D), 2);  // 👍
    EXPECT_EQ(codepoint_width(0x1F468), 2);  // 👨
    EXPECT_EQ(codepoint_width(0x2705), 2);   // ✅
    EXPECT_EQ(codepoint_width(0x1F680), 2);  // 🚀
}

TEST(CodepointWidth, CombiningMarksAreZero) {
    EXPECT_EQ(codepoint_width(0x0300), 0);
    EXPECT_EQ(codepoint_width(0x0301), 0);
    EXPECT_EQ(codepoint_width(0x036F), 0);
    EXPECT_EQ(codepoint_width(0x20E3), 0);  // combining enclosing keycap
    EXPECT_EQ(codepoint_width(0x0E31), 0);  // Thai
    EXPECT_EQ(codepoint_width(0x05B0), 0);  // Hebrew point
}

TEST(IsInvisible, BidiFormatAndSequenceGlue) {
    for (unsigned cp : {0x200BU, 0x200DU, 0x200EU, 0x200FU, 0x202AU, 0x202EU, 0x2066U, 0x2069U,
                        0xFEFFU, 0xFE0FU, 0x1F3FBU, 0x1F3FFU, 0xE0001U, 0xE007FU, 0x00ADU, 0x061CU})
        EXPECT_TRUE(is_invisible(cp)) << "U+" << std::hex << cp;
    for (unsigned cp :
         {0x20U, 0x41U, 0xE9U, 0x0301U, 0x4E00U, 0x1F600U, 0xFFFDU, 0x23CEU, 0x1F3FAU})
        EXPECT_FALSE(is_invisible(cp)) << "U+" << std::hex << cp;
}

TEST(DisplayWidth, Strings) {
    EXPECT_EQ(display_width(""), 0U);
    EXPECT_EQ(display_width("hello"), 5U);
    EXPECT_EQ(display_width("caf\xc3\xa9"), 4U);               // café, precomposed
    EXPECT_EQ(display_width("cafe\xcc\x81"), 4U);              // café, combining
    EXPECT_EQ(display_width("\xe6\xbc\xa2\xe5\xad\x97"), 4U);  // 漢字
    EXPECT_EQ(display_width("a\xe6\xbc\xa2"
                            "b"),
              4U);                                                  // a漢b
    EXPECT_EQ(display_width("\xf0\x9f\x98\x80"), 2U);               // 😀
    EXPECT_EQ(display_width("deploy is green \xe2\x9c\x85"), 18U);  // ✅
    EXPECT_EQ(display_width("\xff"), 1U);                           // invalid byte: one column
    EXPECT_EQ(display_width("a\x1b"
                            "b"),
              3U);  // unsanitized control: one column
}

TEST(WidthPolicy, EmojiSequencesAreAsWideAsTheirVisibleGlyphs) {
    struct Case {
        const char* name;
        std::string input;
        std::size_t width;
    };
    const Case cases[] = {
        {"vs16 heart", "\xe2\x9d\xa4\xef\xb8\x8f", 1},
        {"thumbs up medium skin", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 2},
        {"zwj family", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
         6},
        {"zwj family with skin tones",
         "\xf0\x9f\x91\xa8\xf0\x9f\x8f\xbb\xe2\x80\x8d\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbf", 4},
        {"keycap", "1\xef\xb8\x8f\xe2\x83\xa3", 1},
        {"tag flag", "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xbf", 2},
        {"text then emoji", "ok \xf0\x9f\x9a\x80 go", 8},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string s = sanitize(c.input);
        EXPECT_EQ(display_width(s), c.width);
        EXPECT_EQ(display_width(s), sum_of_codepoint_widths(s));
    }
}

TEST(WidthPolicy, SanitizedTextHasOnlyPrintableCodePoints) {
    // After the sanitizer no code point is left without a width, so the column
    // count is exact: no control is counted as a guess.
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        const std::string s = sanitize(c.input);
        EXPECT_EQ(display_width(s), sum_of_codepoint_widths(s));
    }
}

TEST(WidthPolicy, ReplacementAndReturnMarksTakeOneColumn) {
    EXPECT_EQ(display_width(sanitize("a\xff"
                                     "b")),
              3U);
    EXPECT_EQ(display_width(sanitize("a\nb")), 5U);  // "a ⏎ b"
}

}  // namespace
}  // namespace mqchat
