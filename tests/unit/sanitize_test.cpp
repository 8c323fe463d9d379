// The terminal sanitizer against a corpus of hostile payloads: exact results
// for each, and the invariants every output must hold in both newline modes.
#include "core/sanitize.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/unicode_width.hpp"
#include "core/utf8.hpp"
#include "hostile_corpus.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using test_support::Allow;
using test_support::hostile_corpus;
using test_support::longest_zero_width_run;
using test_support::repeat;
using test_support::terminal_safety_problem;

const std::string kReturnSymbol = " \xe2\x8f\x8e ";  // " ⏎ "
const std::string kReplacement = "\xef\xbf\xbd";     // U+FFFD

TEST(Sanitize, HostileCorpusFoldsToExpectedText) {
    for (const auto& c : hostile_corpus()) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(sanitize(c.input), c.folded);
    }
}

TEST(Sanitize, HostileCorpusOutputIsTerminalSafeInBothModes) {
    for (const auto& c : hostile_corpus()) {
        SCOPED_TRACE(c.name);
        const std::string folded = sanitize(c.input, Newlines::fold);
        const std::string kept = sanitize(c.input, Newlines::keep);
        EXPECT_EQ(terminal_safety_problem(folded), "");
        EXPECT_EQ(terminal_safety_problem(kept, Allow::newline), "");
        EXPECT_EQ(folded.find('\x1b'), std::string::npos);
        EXPECT_EQ(kept.find('\x1b'), std::string::npos);
        EXPECT_LE(longest_zero_width_run(folded), 8U);
        EXPECT_LE(longest_zero_width_run(kept), 8U);
    }
}

TEST(Sanitize, IsIdempotent) {
    for (const auto& c : hostile_corpus()) {
        SCOPED_TRACE(c.name);
        const std::string once = sanitize(c.input);
        EXPECT_EQ(sanitize(once), once);
        const std::string kept = sanitize(c.input, Newlines::keep);
        EXPECT_EQ(sanitize(kept, Newlines::keep), kept);
    }
}

TEST(Sanitize, PlainTextIsUnchanged) {
    for (const std::string s :
         {"", "hello world", "caf\xc3\xa9 na\xc3\xafve", "<b>not html</b> & 100%",
          "\xe6\xbc\xa2\xe5\xad\x97", "\xf0\x9f\x98\x80 ok", "e\xcc\x81"}) {
        EXPECT_EQ(sanitize(s), s);
        EXPECT_EQ(sanitize(s, Newlines::keep), s);
    }
}

TEST(Sanitize, ImportantCasesExactly) {
    EXPECT_EQ(sanitize("a\x1b[31mb"), "ab");
    EXPECT_EQ(sanitize("x\x1b]0;pwned\x07y"), "xy");
    EXPECT_EQ(sanitize("x\x1b]0;pwned\x1b\\y"), "xy");
    EXPECT_EQ(sanitize("a\xff"
                       "b"),
              "a" + kReplacement + "b");
    EXPECT_EQ(sanitize("a\nb"), "a" + kReturnSymbol + "b");
    EXPECT_EQ(sanitize("a\nb", Newlines::keep), "a\nb");
}

TEST(Sanitize, KeepModeKeepsLineBreaksAndExpandsTabs) {
    EXPECT_EQ(sanitize("a\r\nb\rc\nd", Newlines::keep), "a\nb\nc\nd");
    EXPECT_EQ(sanitize("a\tb", Newlines::keep), "a    b");
    EXPECT_EQ(sanitize("a\xe2\x80\xa8"
                       "b",
                       Newlines::keep),
              "a\nb");
    EXPECT_EQ(sanitize("\n\n", Newlines::keep), "\n\n");
}

TEST(Sanitize, FoldModeMakesOneLine) {
    EXPECT_EQ(sanitize("a\r\nb"), "a" + kReturnSymbol + "b");
    EXPECT_EQ(sanitize("a\n\nb"), "a" + kReturnSymbol + kReturnSymbol + "b");
    EXPECT_EQ(sanitize("a\tb"), "a b");
    const std::string folded = sanitize("line1\nline2\rline3\r\nline4\x0bline5\x0c");
    EXPECT_EQ(folded.find('\n'), std::string::npos);
    EXPECT_EQ(folded.find('\r'), std::string::npos);
}

TEST(Sanitize, DropsEveryC0ControlButLineBreaksAndTab) {
    for (int c = 0; c < 0x20; ++c) {
        if (c == '\n' || c == '\r' || c == '\t' || c == 0x1b) continue;
        std::string in = "a";
        in += static_cast<char>(c);
        in += "b";
        EXPECT_EQ(sanitize(in), "ab") << "control 0x" << std::hex << c;
        EXPECT_EQ(sanitize(in, Newlines::keep), "ab") << "control 0x" << std::hex << c;
    }
}

TEST(Sanitize, DropsEveryC1ControlGivenAsUtf8) {
    for (char32_t cp = 0x80; cp < 0xA0; ++cp) {
        std::string in = "a";
        utf8::append(in, cp);
        in += "b";
        const std::string out = sanitize(in);
        EXPECT_EQ(terminal_safety_problem(out), "")
            << "U+" << std::hex << static_cast<unsigned>(cp);
        // The string introducers swallow the rest; the others are just dropped.
        const bool introducer =
            cp == 0x90 || cp == 0x98 || cp == 0x9B || cp == 0x9D || cp == 0x9E || cp == 0x9F;
        if (!introducer) {
            EXPECT_EQ(out, "ab") << "U+" << std::hex << static_cast<unsigned>(cp);
        }
    }
}

TEST(Sanitize, RawHighBytesBecomeReplacementCharacters) {
    for (int b = 0x80; b <= 0xFF; ++b) {
        std::string in = "a";
        in += static_cast<char>(b);
        const std::string out = sanitize(in);
        EXPECT_EQ(out, "a" + kReplacement) << "byte 0x" << std::hex << b;
    }
}

TEST(Sanitize, DropsBidiAndInvisibleCodePoints) {
    const char32_t invisible[] = {0x200B,  0x200C,  0x200D,  0x200E,  0x200F,  0x202A, 0x202B,
                                  0x202C,  0x202D,  0x202E,  0x2060,  0x2066,  0x2067, 0x2068,
                                  0x2069,  0xFEFF,  0x00AD,  0x061C,  0xFE0F,  0xFE00, 0x180E,
                                  0x1F3FB, 0x1F3FF, 0xE0001, 0xE0020, 0xE007F, 0xE0100};
    for (char32_t cp : invisible) {
        std::string in = "a";
        utf8::append(in, cp);
        in += "b";
        EXPECT_EQ(sanitize(in), "ab") << "U+" << std::hex << static_cast<unsigned>(cp);
        EXPECT_TRUE(unicode::is_invisible(cp)) << "U+" << std::hex << static_cast<unsigned>(cp);
    }
}

TEST(Sanitize, UnterminatedStringsSwallowTheRest) {
    EXPECT_EQ(sanitize("ok\x1b]0;title never ends\nstill title"), "ok");
    EXPECT_EQ(sanitize("ok\x1bP+q544e"), "ok");
    EXPECT_EQ(sanitize("ok\xc2\x9d"
                       "0;t"),
              "ok");
}

TEST(Sanitize, ZalgoIsCappedPerBaseCharacter) {
    const std::string mark = "\xcc\x81";  // U+0301
    const std::string out = sanitize("Z" + repeat(mark, 10000));
    EXPECT_EQ(out, "Z" + repeat(mark, 8));
    EXPECT_EQ(unicode::display_width(out), 1U);
    // A line break starts a new run; so does a visible character.
    EXPECT_EQ(sanitize(repeat(mark, 12) + "x" + repeat(mark, 3)),
              repeat(mark, 8) + "x" + repeat(mark, 3));
    EXPECT_EQ(sanitize("a" + repeat(mark, 9) + "\n" + repeat(mark, 9), Newlines::keep),
              "a" + repeat(mark, 8) + "\n" + repeat(mark, 8));
}

TEST(Sanitize, HugeInputsStayLinear) {
    // One million bytes of escapes and marks: completes and stays safe.
    const std::string in = repeat("\x1b[31m\xcc\x81\xe2\x80\xae\xff", 100000);
    const std::string out = sanitize(in);
    EXPECT_EQ(terminal_safety_problem(out), "");
    // Each U+FFFD is a visible base character: the mark before it is kept.
    EXPECT_EQ(out, repeat("\xcc\x81" + kReplacement, 100000));
}

TEST(Sanitize, MarksAfterReplacementCharacterStartANewRun) {
    const std::string mark = "\xcc\x81";
    EXPECT_EQ(sanitize("e" + repeat(mark, 8) + "\xff" + mark),
              "e" + repeat(mark, 8) + kReplacement + mark);
    EXPECT_EQ(sanitize("e" + repeat(mark, 8) + "\xef\xbf\xbe" + mark),
              "e" + repeat(mark, 8) + kReplacement + mark);
}

TEST(Sanitize, EmptyAndEscapeOnly) {
    EXPECT_EQ(sanitize(""), "");
    EXPECT_EQ(sanitize("\x1b"), "");
    EXPECT_EQ(sanitize("\x1b["), "");
    EXPECT_EQ(sanitize("\x1b]"), "");
    EXPECT_EQ(sanitize(std::string(1000, '\x1b')), "");
    EXPECT_EQ(sanitize(std::string(1000, '\0')), "");
}

}  // namespace
}  // namespace mqchat
