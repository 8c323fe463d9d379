// JSON string escaping: valid JSON, and nothing a terminal would act on.
#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.hpp"
#include "hostile_corpus.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

std::string json_quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

TEST(JsonText, ShortEscapes) {
    EXPECT_EQ(json_quoted(""), "\"\"");
    EXPECT_EQ(json_quoted("plain"), "\"plain\"");
    EXPECT_EQ(json_quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(json_quoted("a\\b"), "\"a\\\\b\"");
    EXPECT_EQ(json_quoted("a\nb\rc\td"), "\"a\\nb\\rc\\td\"");
    EXPECT_EQ(json_quoted("a/b"), "\"a/b\"");  // '/' needs no escape
}

TEST(JsonText, AppendsToExistingText) {
    std::string out = "{\"k\":";
    append_json_string(out, "v");
    EXPECT_EQ(out, "{\"k\":\"v\"");
}

TEST(JsonText, ControlsAsUppercaseUEscapes) {
    EXPECT_EQ(json_quoted(std::string("\0", 1)), "\"\\u0000\"");
    EXPECT_EQ(json_quoted("\x01"), "\"\\u0001\"");
    EXPECT_EQ(json_quoted("\x1b[31m"), "\"\\u001B[31m\"");
    EXPECT_EQ(json_quoted("\x07\x08\x0c"), "\"\\u0007\\u0008\\u000C\"");
    EXPECT_EQ(json_quoted("\x7f"), "\"\\u007F\"");
}

TEST(JsonText, C1SeparatorsAndInvisiblesAsUEscapes) {
    EXPECT_EQ(json_quoted("\xc2\x85"), "\"\\u0085\"");
    EXPECT_EQ(json_quoted("\xc2\x9b"), "\"\\u009B\"");
    EXPECT_EQ(json_quoted("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"");
    EXPECT_EQ(json_quoted("\xe2\x80\xae"), "\"\\u202E\"");
    EXPECT_EQ(json_quoted("\xe2\x81\xa6"), "\"\\u2066\"");
    EXPECT_EQ(json_quoted("\xe2\x80\x8b"), "\"\\u200B\"");
    EXPECT_EQ(json_quoted("\xef\xbb\xbf"), "\"\\uFEFF\"");
    EXPECT_EQ(json_quoted("\xc2\xad"), "\"\\u00AD\"");
}

TEST(JsonText, InvisiblesAboveTheBmpAsSurrogatePairEscapes) {
    EXPECT_EQ(json_quoted("\xf3\xa0\x81\x81"),
              "\"\\uDB40\\uDC41\"");  // U+E0041 TAG LATIN CAPITAL LETTER A
    EXPECT_EQ(json_quoted("\xf0\x9f\x8f\xbb"), "\"\\uD83C\\uDFFB\"");  // U+1F3FB skin tone
    const auto parsed =
        nlohmann::json::parse(json_quoted("a\xf3\xa0\x81\x81"
                                          "b"));
    EXPECT_EQ(parsed.get<std::string>(),
              "a\xf3\xa0\x81\x81"
              "b");
}

TEST(JsonText, PrintableUnicodeStaysRaw) {
    EXPECT_EQ(json_quoted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(json_quoted("\xe6\xbc\xa2\xe5\xad\x97"), "\"\xe6\xbc\xa2\xe5\xad\x97\"");
    EXPECT_EQ(json_quoted("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
    EXPECT_EQ(json_quoted("\xc2\xa0"), "\"\xc2\xa0\"");  // no-break space is visible
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(json_quoted("a\xff"
                          "b"),
              "\"a\xef\xbf\xbd"
              "b\"");
    EXPECT_EQ(json_quoted("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    EXPECT_EQ(json_quoted("\xe2\x82"), "\"\xef\xbf\xbd\"");
}

TEST(JsonText, HostileCorpusGivesParseableTerminalSafeJson) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        const std::string json = json_quoted(c.input);
        EXPECT_EQ(test_support::terminal_safety_problem(json, test_support::Allow::nothing, false),
                  "");
        const auto parsed = nlohmann::json::parse(json, nullptr, false);
        ASSERT_TRUE(parsed.is_string());
        // Every code point survives the trip; invalid bytes as U+FFFD.
        EXPECT_EQ(parsed.get<std::string>(), utf8::make_valid(c.input));
    }
}

TEST(JsonText, EveryControlRoundTripsThroughNlohmann) {
    for (char32_t cp = 0; cp < 0xA0; ++cp) {
        std::string s;
        utf8::append(s, cp);
        const std::string json = json_quoted(s);
        EXPECT_EQ(test_support::terminal_safety_problem(json, test_support::Allow::nothing, false),
                  "")
            << std::hex << static_cast<unsigned>(cp);
        EXPECT_EQ(nlohmann::json::parse(json).get<std::string>(), s)
            << std::hex << static_cast<unsigned>(cp);
    }
}

}  // namespace
}  // namespace mqchat
