// UTF-8 decoding (maximal-subpart replacement), encoding and validation.
#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mqchat {
namespace {

const std::string kReplacement = "\xef\xbf\xbd";

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

TEST(Utf8Decode, Ascii) {
    const auto d = utf8::decode("A", 0);
    EXPECT_EQ(d.codepoint, U'A');
    EXPECT_EQ(d.length, 1U);
    EXPECT_TRUE(d.valid);
}

TEST(Utf8Decode, MultiByteForms) {
    struct Case {
        std::string bytes;
        char32_t cp;
    };
    const Case cases[] = {
        {"\xc2\x80", 0x80},
        {"\xdf\xbf", 0x7FF},
        {"\xe0\xa0\x80", 0x800},
        {"\xed\x9f\xbf", 0xD7FF},
        {"\xee\x80\x80", 0xE000},
        {"\xef\xbf\xbf", 0xFFFF},
        {"\xf0\x90\x80\x80", 0x10000},
        {"\xf4\x8f\xbf\xbf", 0x10FFFF},
        {"\xe6\xbc\xa2", 0x6F22},
    };
    for (const auto& c : cases) {
        const auto d = utf8::decode(c.bytes, 0);
        EXPECT_TRUE(d.valid);
        EXPECT_EQ(d.codepoint, c.cp);
        EXPECT_EQ(d.length, c.bytes.size());
    }
}

TEST(Utf8Decode, InvalidFormsConsumeTheMaximalSubpart) {
    struct Case {
        const char* name;
        std::string bytes;
        std::size_t length;
    };
    const Case cases[] = {
        {"lone continuation", "\x80", 1},
        {"c0 overlong lead", "\xc0\xaf", 1},
        {"c1 overlong lead", "\xc1\xbf", 1},
        {"e0 overlong", "\xe0\x80\x80", 1},
        {"f0 overlong", "\xf0\x80\x80\x80", 1},
        {"surrogate", "\xed\xa0\x80", 1},
        {"above U+10FFFF", "\xf4\x90\x80\x80", 1},
        {"f5 lead", "\xf5\x80\x80\x80", 1},
        {"ff", "\xff", 1},
        {"truncated 2 of 3", "\xe2\x82", 2},
        {"truncated 3 of 4", "\xf0\x9f\x98", 3},
        {"broken by ascii", "\xe2\x82z", 2},
        {"broken by new lead", "\xf0\x9f\xe2\x82\xac", 2},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto d = utf8::decode(c.bytes, 0);
        EXPECT_FALSE(d.valid);
        EXPECT_EQ(d.codepoint, utf8::kReplacement);
        EXPECT_EQ(d.length, c.length);
    }
}

TEST(Utf8Decode, DecodesAtAnOffset) {
    const std::string s =
        "a\xe6\xbc\xa2"
        "b";
    EXPECT_EQ(utf8::decode(s, 1).codepoint, 0x6F22U);
    EXPECT_EQ(utf8::decode(s, 4).codepoint, U'b');
    EXPECT_FALSE(utf8::decode(s, 2).valid);  // mid-character
}

TEST(Utf8MakeValid, UnicodeRecommendedPracticeExample) {
    // Unicode 15, section 3.9, table 3-8: one U+FFFD per maximal subpart.
    const std::string in = "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64";
    EXPECT_EQ(utf8::make_valid(in), "a" + repeat(kReplacement, 3) + "b" + kReplacement + "c" +
                                        repeat(kReplacement, 2) + "d");
}

TEST(Utf8MakeValid, ValidInputIsReturnedUnchanged) {
    for (const std::string s :
         {"", "plain", "caf\xc3\xa9", "\xf0\x9f\x98\x80\xe6\xbc\xa2", "\x1b[31m"})
        EXPECT_EQ(utf8::make_valid(s), s);
}

TEST(Utf8MakeValid, ResultIsAlwaysValid) {
    for (const std::string s :
         {"\xff\xfe", "\xc0\x80", "\xed\xa0\x80\xed\xb0\x80", "abc\xe2", "\x80\x80\x80"}) {
        const std::string fixed = utf8::make_valid(s);
        EXPECT_TRUE(utf8::is_valid(fixed));
        EXPECT_NE(fixed.find(kReplacement), std::string::npos);
    }
    EXPECT_EQ(utf8::make_valid(std::string("a\0b", 3)),
              std::string("a\0b", 3));  // NUL is valid UTF-8
}

TEST(Utf8IsValid, Boundaries) {
    EXPECT_TRUE(utf8::is_valid(""));
    EXPECT_TRUE(utf8::is_valid("\x7f"));
    EXPECT_TRUE(utf8::is_valid("\xf4\x8f\xbf\xbf"));
    EXPECT_FALSE(utf8::is_valid("\xf4\x90\x80\x80"));
    EXPECT_FALSE(utf8::is_valid("\xed\xa0\x80"));
    EXPECT_FALSE(utf8::is_valid("\xc0\xaf"));
    EXPECT_FALSE(utf8::is_valid("ok\xe2\x82"));
}

TEST(Utf8Append, RoundTripsEveryScalarValue) {
    std::string buf;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        buf.clear();
        utf8::append(buf, cp);
        const std::size_t expected_length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        ASSERT_EQ(buf.size(), expected_length) << std::hex << static_cast<unsigned>(cp);
        const auto d = utf8::decode(buf, 0);
        ASSERT_TRUE(d.valid) << std::hex << static_cast<unsigned>(cp);
        ASSERT_EQ(d.codepoint, cp);
        ASSERT_EQ(d.length, buf.size());
    }
}

TEST(Utf8Append, Replacement) {
    std::string s;
    utf8::append(s, utf8::kReplacement);
    EXPECT_EQ(s, kReplacement);
}

}  // namespace
}  // namespace mqchat
