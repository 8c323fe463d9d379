// Tail lines: the default "HH:MM:SS <name> text", /me, colours, --format
// templates, notices and NDJSON, with hostile text in every field.
#include "core/line_format.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/payload_codec.hpp"
#include "hostile_corpus.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using test_support::Allow;
using test_support::terminal_safety_problem;

// The tests run with TZ=UTC (ctest sets it; time_format_test.cpp makes sure).
constexpr std::int64_t kTime = 1732441260123;  // 2024-11-24T09:41:00.123Z
const char* const kPalette[] = {"31", "32", "33", "34", "35", "36",
                                "91", "92", "93", "94", "95", "96"};

Message sample() {
    Message m;
    m.id = "01JDDX53AE0000000000000000";
    m.user = "alice";
    m.name = "Alice";
    m.text = "hi";
    m.timestamp = kTime;
    return m;
}

LineFormat compile(std::string_view spec) {
    auto parsed = LineFormat::parse(spec);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << spec << ": " << *error;
        return {};
    }
    return std::get<LineFormat>(parsed);
}

std::string parse_error(std::string_view spec) {
    auto parsed = LineFormat::parse(spec);
    auto* error = std::get_if<std::string>(&parsed);
    EXPECT_NE(error, nullptr) << spec;
    return error ? *error : "";
}

std::string nick_sgr(const std::string& user) {
    return std::string("\x1b[") + kPalette[nick_color_index(user, std::size(kPalette))] + "m";
}

// A rendered line without its final newline, which must be its only one.
std::string body(const std::string& line) {
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    return line.substr(0, line.size() - 1);
}

// --- the default line ---------------------------------------------------------

TEST(DefaultLine, ClockNameText) {
    const LineFormat f;
    EXPECT_TRUE(f.is_default());
    EXPECT_EQ(f.render(sample(), "general", false), "09:41:00 <Alice> hi\n");
}

TEST(DefaultLine, ShownNameFallsBack) {
    const LineFormat f;
    Message m = sample();
    m.name.clear();
    EXPECT_EQ(f.render(m, "general", false), "09:41:00 <alice> hi\n");
    m.user.clear();
    EXPECT_EQ(f.render(m, "general", false), "09:41:00 <?> hi\n");
}

TEST(DefaultLine, MeAction) {
    Message m = sample();
    m.kind = MessageKind::me;
    m.text = "waves";
    EXPECT_EQ(LineFormat().render(m, "general", false), "09:41:00 * Alice waves\n");
}

TEST(DefaultLine, ColourOnlyWhenAsked) {
    const LineFormat f;
    const std::string plain = f.render(sample(), "general", false);
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    EXPECT_EQ(f.render(sample(), "general", true),
              "\x1b[2m09:41:00\x1b[0m <" + nick_sgr("alice") + "Alice\x1b[0m> hi\n");
    Message m = sample();
    m.kind = MessageKind::me;
    EXPECT_EQ(f.render(m, "general", true),
              "\x1b[2m09:41:00\x1b[0m * " + nick_sgr("alice") + "Alice\x1b[0m hi\n");
}

TEST(DefaultLine, NickColourFollowsTheUserIdNotTheName) {
    Message a = sample();
    Message b = sample();
    b.name = "Someone Else";
    const std::string line_a = LineFormat().render(a, "r", true);
    const std::string line_b = LineFormat().render(b, "r", true);
    EXPECT_NE(line_a.find(nick_sgr("alice")), std::string::npos);
    EXPECT_NE(line_b.find(nick_sgr("alice")), std::string::npos);
}

TEST(DefaultLine, MultiLineTextStaysOnOneLine) {
    Message m = sample();
    m.text = "one\ntwo\r\nthree";
    EXPECT_EQ(LineFormat().render(m, "general", false),
              "09:41:00 <Alice> one \xe2\x8f\x8e two \xe2\x8f\x8e three\n");
}

TEST(DefaultLine, HostileTextAndNamesAreSanitized) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        Message m = sample();
        m.text = c.input;
        m.name = c.input;
        const std::string line = LineFormat().render(m, "general", false);
        EXPECT_EQ(terminal_safety_problem(body(line)), "");
        EXPECT_EQ(line, "09:41:00 <" + c.folded + "> " + c.folded + "\n");
    }
}

TEST(DefaultLine, HostileFieldsWithColourCarryOnlyOurOwnSgr) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        Message m = sample();
        m.text = c.input;
        m.name = c.input;
        m.user = c.input;
        std::string line = body(LineFormat().render(m, "general", true));
        for (const std::string& sgr :
             {std::string("\x1b[2m"), std::string("\x1b[0m"), nick_sgr(c.input)}) {
            for (auto at = line.find(sgr); at != std::string::npos; at = line.find(sgr))
                line.erase(at, sgr.size());
        }
        EXPECT_EQ(terminal_safety_problem(line), "");
    }
}

// --- --format templates ---------------------------------------------------------

TEST(FormatTemplate, EveryDirective) {
    const LineFormat f = compile("%T|%D|%u|%n|%m|%r|%i|%%");
    EXPECT_FALSE(f.is_default());
    EXPECT_EQ(
        f.render(sample(), "general", false),
        "09:41:00|2024-11-24T09:41:00.123Z|alice|Alice|hi|general|01JDDX53AE0000000000000000|%\n");
}

TEST(FormatTemplate, NameDirectiveFallsBack) {
    Message m = sample();
    m.name.clear();
    EXPECT_EQ(compile("%n/%u").render(m, "r", false), "alice/alice\n");
    m.user.clear();
    EXPECT_EQ(compile("%n/%u").render(m, "r", false), "?/\n");
}

TEST(FormatTemplate, Escapes) {
    EXPECT_EQ(compile("%u\\t%m").render(sample(), "r", false), "alice\thi\n");
    EXPECT_EQ(compile("%u\\n%m").render(sample(), "r", false), "alice\nhi\n");
    EXPECT_EQ(compile("a\\\\b").render(sample(), "r", false), "a\\b\n");
    EXPECT_EQ(compile("\\x\\").render(sample(), "r", false), "\\x\\\n");  // not escapes: kept
    EXPECT_EQ(compile("%%T %%%m").render(sample(), "r", false), "%T %hi\n");
    EXPECT_EQ(compile("\\t\\t%m\\t").render(sample(), "r", false), "\t\thi\t\n");
}

TEST(FormatTemplate, NeverColoured) {
    EXPECT_EQ(compile("%T <%n> %m").render(sample(), "general", true), "09:41:00 <Alice> hi\n");
}

TEST(FormatTemplate, EmptyTemplatePrintsEmptyLines) {
    EXPECT_EQ(compile("").render(sample(), "general", false), "\n");
}

TEST(FormatTemplate, LiteralTextIsSanitizedToo) {
    EXPECT_EQ(compile("\x1b[31m%m\x1b[0m").render(sample(), "r", false), "hi\n");
    EXPECT_EQ(compile("\x1b]0;title\x07%m").render(sample(), "r", false), "hi\n");
    EXPECT_EQ(compile("a\xe2\x80\xae"
                      "b %m")
                  .render(sample(), "r", false),
              "ab hi\n");
    EXPECT_EQ(compile("caf\xc3\xa9 %m").render(sample(), "r", false), "caf\xc3\xa9 hi\n");
}

TEST(FormatTemplate, UnknownDirective) {
    EXPECT_EQ(parse_error("%q"),
              "unknown directive '%q' in --format (known: %T %D %u %n %m %r %i %%)");
    EXPECT_EQ(parse_error("%m %t"),
              "unknown directive '%t' in --format (known: %T %D %u %n %m %r %i %%)");
    EXPECT_EQ(parse_error("%\x1b"),
              "unknown directive '%?' in --format (known: %T %D %u %n %m %r %i %%)");
    EXPECT_EQ(parse_error("% "),
              "unknown directive '%?' in --format (known: %T %D %u %n %m %r %i %%)");
    EXPECT_EQ(parse_error("%\xc3\xa9"),
              "unknown directive '%?' in --format (known: %T %D %u %n %m %r %i %%)");
}

TEST(FormatTemplate, LonePercent) {
    const std::string lone = "--format ends with a lone '%' (write %% for a percent sign)";
    EXPECT_EQ(parse_error("%"), lone);
    EXPECT_EQ(parse_error("%m 100%"), lone);
    EXPECT_EQ(parse_error("%%%"), lone);
}

TEST(FormatTemplate, HostileTextInEveryField) {
    const LineFormat f = compile("%T %D %u %n %m %r %i");
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        Message m = sample();
        m.id = c.input;
        m.user = c.input;
        m.name = c.input;
        m.text = c.input;
        const std::string line = f.render(m, c.input, true);
        EXPECT_EQ(terminal_safety_problem(body(line)), "");
        const std::string& s = c.folded;
        EXPECT_EQ(line, "09:41:00 2024-11-24T09:41:00.123Z " + s + " " + s + " " + s + " " + s +
                            " " + s + "\n");
    }
}

TEST(FormatTemplate, NewlinesFromTheTemplateOnly) {
    const LineFormat f = compile("%u:\\n%m");
    Message m = sample();
    m.text = "a\nb";
    m.user = "x\ny";
    const std::string line = f.render(m, "r", false);
    EXPECT_EQ(line, "x \xe2\x8f\x8e y:\na \xe2\x8f\x8e b\n");
    EXPECT_EQ(terminal_safety_problem(line, Allow::newline), "");
}

// --- notices and NDJSON -------------------------------------------------------

TEST(NoticeLine, Plain) {
    EXPECT_EQ(render_notice_line("unreadable payload: empty message", kTime, false),
              "09:41:00 -!- unreadable payload: empty message\n");
}

TEST(NoticeLine, Coloured) {
    EXPECT_EQ(render_notice_line("n", kTime, true), "09:41:00 \x1b[33m-!-\x1b[0m n\n");
}

TEST(NoticeLine, HostileNoticeIsSanitized) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        const std::string line = render_notice_line(c.input, kTime, false);
        EXPECT_EQ(line, "09:41:00 -!- " + c.folded + "\n");
    }
    // A decoder notice that quotes raw JSON keys is made safe here.
    const auto r = decode_payload(R"({"a\u001b]0;x\u0007":1})", kTime);
    EXPECT_EQ(terminal_safety_problem(body(render_notice_line(r.notice, kTime, false))), "");
}

TEST(JsonLine, IsTheCanonicalPayloadPlusNewline) {
    const Message m = sample();
    EXPECT_EQ(render_json_line(m), encode_payload(m) + "\n");
    const auto parsed = nlohmann::json::parse(render_json_line(m));
    EXPECT_EQ(parsed["id"], "01JDDX53AE0000000000000000");
    EXPECT_EQ(parsed["user"], "alice");
    EXPECT_EQ(parsed["name"], "Alice");
    EXPECT_EQ(parsed["text"], "hi");
    EXPECT_EQ(parsed["timestamp"], kTime);
}

TEST(JsonLine, HostileTextStaysOnOneSafeLine) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        Message m = sample();
        m.text = c.input;
        m.name = c.input;
        const std::string line = render_json_line(m);
        EXPECT_EQ(terminal_safety_problem(body(line), Allow::nothing, false), "");
        EXPECT_TRUE(nlohmann::json::accept(line));
    }
}

TEST(NickColour, StableAndInRange) {
    EXPECT_EQ(nick_color_index("alice", 12), nick_color_index("alice", 12));
    EXPECT_EQ(nick_color_index("anything", 0), 0U);
    EXPECT_EQ(nick_color_index("anything", 1), 0U);
    bool differs = false;
    for (const char* user : {"alice", "bob", "carol", "dave", "erin", "frank", "grace"}) {
        EXPECT_LT(nick_color_index(user, 12), 12U);
        differs = differs || nick_color_index(user, 12) != nick_color_index("alice", 12);
    }
    EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace mqchat
