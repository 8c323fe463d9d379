// The wire format: canonical encode/decode round trips, every reader dialect
// of SPEC §2, and a notice (never a crash) for everything unreadable.
#include "core/payload_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/message_id.hpp"
#include "core/time_format.hpp"
#include "core/utf8.hpp"
#include "hostile_corpus.hpp"
#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using test_support::repeat;

constexpr std::int64_t kReceived = 1700000000000;  // stands in for a missing timestamp

Message sample() {
    Message m;
    m.id = "01JD5Y6Z3K8Q9W2X7V4T1R0M0N";
    m.user = "alice";
    m.name = "Alice";
    m.text = "hi";
    m.timestamp = 1732412345678;
    return m;
}

void expect_same(const Message& a, const Message& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.user, b.user);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.timestamp, b.timestamp);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.reply_to, b.reply_to);
}

// Exactly one message and no notice.
Message decode_one(std::string_view payload) {
    const auto r = decode_payload(payload, kReceived);
    EXPECT_EQ(r.notice, "") << payload;
    EXPECT_EQ(r.messages.size(), 1U) << payload;
    return r.messages.empty() ? Message{} : r.messages.front();
}

// No message and a notice that contains `words`.
void expect_notice(std::string_view payload, const std::string& words) {
    const auto r = decode_payload(payload, kReceived);
    EXPECT_TRUE(r.messages.empty()) << payload.substr(0, 200);
    EXPECT_NE(r.notice.find(words), std::string::npos) << "notice: " << r.notice;
    EXPECT_EQ(r.notice.rfind("unreadable payload: ", 0), 0U) << r.notice;
}

// --- encode ---------------------------------------------------------------

TEST(EncodePayload, CanonicalShape) {
    EXPECT_EQ(encode_payload(sample()),
              R"({"id":"01JD5Y6Z3K8Q9W2X7V4T1R0M0N","user":"alice","name":"Alice","text":"hi",)"
              R"("timestamp":1732412345678})");
}

TEST(EncodePayload, OmitsEmptyNameAndAddsKindAndReply) {
    Message m = sample();
    m.name.clear();
    m.kind = MessageKind::me;
    m.reply_to = "01JD5Y6Z3K8Q9W2X7V4T1R0M0A";
    EXPECT_EQ(
        encode_payload(m),
        R"({"id":"01JD5Y6Z3K8Q9W2X7V4T1R0M0N","user":"alice","text":"hi","timestamp":1732412345678,)"
        R"("kind":"me","reply_to":"01JD5Y6Z3K8Q9W2X7V4T1R0M0A"})");
}

TEST(EncodePayload, NegativeAndExtremeTimestamps) {
    Message m = sample();
    m.timestamp = -1;
    EXPECT_NE(encode_payload(m).find("\"timestamp\":-1}"), std::string::npos);
    m.timestamp = INT64_MIN;
    EXPECT_EQ(decode_one(encode_payload(m)).timestamp, INT64_MIN);
    m.timestamp = INT64_MAX;
    EXPECT_EQ(decode_one(encode_payload(m)).timestamp, INT64_MAX);
}

TEST(EncodePayload, HostileFieldsGiveTerminalSafeValidJson) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        Message m = sample();
        m.text = c.input;
        m.name = c.input;
        m.user = c.input;
        m.reply_to = c.input;
        const std::string payload = encode_payload(m);
        EXPECT_EQ(
            test_support::terminal_safety_problem(payload, test_support::Allow::nothing, false),
            "");
        const auto parsed = nlohmann::json::parse(payload, nullptr, false);
        ASSERT_TRUE(parsed.is_object());
        EXPECT_EQ(parsed["text"].get<std::string>(), utf8::make_valid(c.input));
        EXPECT_EQ(parsed["user"].get<std::string>(), utf8::make_valid(c.input));
    }
}

// --- round trip -----------------------------------------------------------

TEST(PayloadRoundTrip, CanonicalMessages) {
    Message plain = sample();

    Message me = sample();
    me.kind = MessageKind::me;
    me.text = "waves";

    Message reply = sample();
    reply.reply_to = "01JD5Y6Z3K8Q9W2X7V4T1R0M0A";
    reply.name.clear();

    Message unicode = sample();
    unicode.name = "\xc3\x80lice \xe6\xbc\xa2";
    unicode.text =
        "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x9d\xa4\xef\xb8\x8f \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
        "\xf3\xa0\x81\x81 \xe6\xbc\xa2\xe5\xad\x97";

    Message quotes = sample();
    quotes.text = R"(she said "hi" \ and {"text":"nested"} [1,2])";

    Message controls = sample();
    using namespace std::string_literals;
    controls.text = "bell\x07 esc\x1b[31m nul\0 del\x7f c1\xc2\x9b rlo\xe2\x80\xae\n\ttab"s;

    for (const Message& m : {plain, me, reply, unicode, quotes, controls}) {
        SCOPED_TRACE(m.text);
        expect_same(decode_one(encode_payload(m)), m);
    }
}

TEST(PayloadRoundTrip, InvalidUtf8IsSentAsReplacementCharacters) {
    Message m = sample();
    m.text = "bad \xff byte";
    EXPECT_EQ(decode_one(encode_payload(m)).text, "bad \xef\xbf\xbd byte");
}

// --- seed 000 objects -----------------------------------------------------

TEST(DecodeSeed000, ObjectWithoutIdGetsAStableDerivedId) {
    const std::string payload = R"({"user":"alice","text":"hi","timestamp":1732412345678})";
    const Message a = decode_one(payload);
    const Message b = decode_one(payload);
    EXPECT_EQ(a.user, "alice");
    EXPECT_EQ(a.text, "hi");
    EXPECT_EQ(a.timestamp, 1732412345678);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.id, derive_message_id("alice", 1732412345678, "hi"));
    EXPECT_EQ(a.id.rfind("h-", 0), 0U);

    // Another received time does not change it; another text does.
    EXPECT_EQ(decode_payload(payload, 42).messages.at(0).id, a.id);
    EXPECT_NE(decode_one(R"({"user":"alice","text":"hi!","timestamp":1732412345678})").id, a.id);
    EXPECT_NE(decode_one(R"({"user":"bob","text":"hi","timestamp":1732412345678})").id, a.id);
    EXPECT_NE(decode_one(R"({"user":"alice","text":"hi","timestamp":1732412345679})").id, a.id);
}

TEST(DecodeSeed000, MissingTimestampUsesTheReceivedTime) {
    // Without a payload time the receive time goes into the derived id, so two
    // people saying "ok" stay two messages; one delivery still decodes the same.
    const std::string payload = R"({"user":"alice","text":"ok"})";
    const auto first = decode_payload(payload, 1000);
    const auto again = decode_payload(payload, 1000);
    const auto later = decode_payload(payload, 2000);
    ASSERT_EQ(first.messages.size(), 1U);
    ASSERT_EQ(again.messages.size(), 1U);
    ASSERT_EQ(later.messages.size(), 1U);
    EXPECT_EQ(first.messages[0].timestamp, 1000);
    EXPECT_EQ(later.messages[0].timestamp, 2000);
    EXPECT_EQ(first.messages[0].id, again.messages[0].id);
    EXPECT_EQ(first.messages[0].id, derive_message_id("alice", 1000, "ok"));
    EXPECT_NE(first.messages[0].id, later.messages[0].id);
}

TEST(DecodeSeed000, TextOnlyObjectIsFromAnUnknownSender) {
    const Message m = decode_one(R"({"text":"anonymous"})");
    EXPECT_EQ(m.text, "anonymous");
    EXPECT_EQ(m.user, "");
    EXPECT_EQ(m.shown_name(), "?");
    EXPECT_EQ(m.timestamp, kReceived);
}

TEST(DecodeCanonical, OptionalFields) {
    const Message m = decode_one(
        R"({"id":"x1","user":"bob","name":"Bob B","text":"waves","timestamp":5,"kind":"me","reply_to":"x0"})");
    EXPECT_EQ(m.id, "x1");
    EXPECT_EQ(m.name, "Bob B");
    EXPECT_EQ(m.shown_name(), "Bob B");
    EXPECT_EQ(m.kind, MessageKind::me);
    EXPECT_EQ(m.reply_to, "x0");
    EXPECT_EQ(decode_one(R"({"text":"t","kind":"shout"})").kind, MessageKind::text);
    EXPECT_EQ(
        decode_one(R"({"text":"t","user":null,"name":null,"id":null,"timestamp":null})").timestamp,
        kReceived);
    EXPECT_EQ(decode_one(R"({"text":"t","user":"u","extra":{"deep":[1,2,3]}})").user, "u");
}

TEST(DecodeCanonical, TimestampForms) {
    EXPECT_EQ(decode_one(R"({"text":"t","timestamp":1732412345678.9})").timestamp, 1732412345678);
    EXPECT_EQ(decode_one(R"({"text":"t","timestamp":-5})").timestamp, -5);
    EXPECT_EQ(decode_one(R"({"text":"t","timestamp":"2024-11-24T09:41:00.123Z"})").timestamp,
              1732441260123);
}

TEST(DecodeCanonical, UnusableIdsAreReplacedByADerivedId) {
    const std::string long_id(65, 'x');
    for (const std::string& id :
         {std::string(""), long_id, std::string("has space"), std::string("tab\\tid"),
          std::string("\\u001b[31m"), std::string("\xc3\xa9")}) {
        const Message m =
            decode_one(R"({"id":")" + id + R"(","user":"u","text":"t","timestamp":1})");
        EXPECT_EQ(m.id, derive_message_id("u", 1, "t")) << id;
    }
    const std::string max_id(64, 'x');
    EXPECT_EQ(decode_one(R"({"id":")" + max_id + R"(","text":"t"})").id, max_id);
}

// --- seed 001 InteractionMessage --------------------------------------------

TEST(DecodeSeed001, ObjectWithSentAtInsideTextMessage) {
    const Message m =
        decode_one(R"({"user":{"custom_name":"user1"},"type":1,)"
                   R"("text_message":{"text":"[0]","sent_at":"2024-11-24T09:41:00.000Z"}})");
    EXPECT_EQ(m.text, "[0]");
    EXPECT_EQ(m.name, "user1");
    EXPECT_EQ(m.user, "user1");
    EXPECT_EQ(m.timestamp, 1732441260000);
    EXPECT_EQ(m.id, derive_message_id("user1", 1732441260000, "[0]"));
}

TEST(DecodeSeed001, ObjectWithTopLevelSentAtAndIds) {
    const Message m = decode_one(
        R"({"id":"m-1","user":{"id":"u1","device_id":"d","custom_name":"Bob","is_admin":true},)"
        R"("type":"INTERACTION_TYPE_TEXT","text_message":{"text":"yo","filtered":false},)"
        R"("sent_at":"2024-11-24T10:41:00+01:00","received_at":"2024-11-24T09:41:05Z"})");
    EXPECT_EQ(m.id, "m-1");
    EXPECT_EQ(m.user, "u1");
    EXPECT_EQ(m.name, "Bob");
    EXPECT_EQ(m.text, "yo");
    EXPECT_EQ(m.timestamp, 1732441260000);
}

TEST(DecodeSeed001, OtherTimeFieldsAndMissingTime) {
    EXPECT_EQ(decode_one(R"({"user":{"custom_name":"a"},"text_message":{"text":"x"},)"
                         R"("created_at":"2024-11-24T09:41:00Z"})")
                  .timestamp,
              1732441260000);
    EXPECT_EQ(decode_one(R"({"user":{"custom_name":"a"},"text_message":{"text":"x"}})").timestamp,
              kReceived);
    EXPECT_EQ(decode_one(R"({"text_message":{"text":"x"},"sent_at":"junk"})").timestamp, kReceived);
    EXPECT_EQ(decode_one(R"({"text_message":{"text":"x"}})").shown_name(), "?");
}

TEST(DecodeSeed001, ArrayOfInteractionMessagesInOrder) {
    const auto r = decode_payload(
        R"([{"user":{"custom_name":"user1"},"type":1,"text_message":{"text":"[0]","sent_at":"2024-11-24T09:41:00.000Z"}},)"
        R"( {"user":{"custom_name":"user2"},"type":1,"text_message":{"text":"[1]","sent_at":"2024-11-24T09:41:01.000Z"}}])",
        kReceived);
    EXPECT_EQ(r.notice, "");
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].text, "[0]");
    EXPECT_EQ(r.messages[0].name, "user1");
    EXPECT_EQ(r.messages[1].text, "[1]");
    EXPECT_EQ(r.messages[1].timestamp, 1732441261000);
    EXPECT_NE(r.messages[0].id, r.messages[1].id);
}

TEST(DecodeSeed001, MixedDialectArray) {
    const auto r = decode_payload(
        R"([{"id":"c1","user":"alice","text":"canonical","timestamp":1},{"text_message":{"text":"interaction"}}])",
        kReceived);
    EXPECT_EQ(r.notice, "");
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].id, "c1");
    EXPECT_EQ(r.messages[1].text, "interaction");
}

TEST(DecodeSeed001, WrongShapesGiveNotices) {
    expect_notice(R"({"text_message":"hi"})", "text_message.text");
    expect_notice(R"({"text_message":{"text":5}})", "text_message.text");
    expect_notice(R"({"text_message":{}})", "text_message.text");
    expect_notice(R"({"user":"bob","text_message":{"text":"x"}})", "\"user\" is not an object");
    expect_notice(R"({"user":{"custom_name":7},"text_message":{"text":"x"}})", "wrong type");
    expect_notice(R"({"id":7,"text_message":{"text":"x"}})", "\"id\"");
}

// --- plain text -----------------------------------------------------------

TEST(DecodePlainText, IsTextFromAnUnknownSender) {
    const Message m = decode_one("hello there");
    EXPECT_EQ(m.text, "hello there");
    EXPECT_EQ(m.user, "");
    EXPECT_EQ(m.name, "");
    EXPECT_EQ(m.shown_name(), "?");
    EXPECT_EQ(m.timestamp, kReceived);
    EXPECT_EQ(m.id, derive_message_id("", kReceived, "hello there"));
}

TEST(DecodePlainText, TrailingLineBreaksAreDropped) {
    EXPECT_EQ(decode_one("hello\n").text, "hello");
    EXPECT_EQ(decode_one("hello\r\n\r\n").text, "hello");
    EXPECT_EQ(decode_one("  two\nlines  ").text, "  two\nlines  ");
}

TEST(DecodePlainText, InvalidJsonThatLooksLikeJsonIsText) {
    EXPECT_EQ(decode_one("[wip] fix the build").text, "[wip] fix the build");
    EXPECT_EQ(decode_one("{not json").text, "{not json");
    EXPECT_EQ(decode_one("{").text, "{");
    EXPECT_EQ(decode_one("[1,2").text, "[1,2");
    EXPECT_EQ(decode_one(R"({"text":"hi"} trailing)").text, R"({"text":"hi"} trailing)");
    EXPECT_EQ(decode_one(R"(["\ud800"])").text, R"(["\ud800"])");  // lone surrogate escape
}

TEST(DecodePlainText, JsonScalarsAreText) {
    for (const std::string s : {"42", "-1.5e3", "\"quoted\"", "true", "false", "null"})
        EXPECT_EQ(decode_one(s).text, s);
}

TEST(DecodePlainText, EscapesArePassedOnForTheSanitizer) {
    // The codec keeps text as sent; line_format sanitizes it for display.
    EXPECT_EQ(decode_one("a\x1b[31mb").text, "a\x1b[31mb");
}

// --- notices --------------------------------------------------------------

TEST(DecodeNotice, EmptyAndWhiteSpace) {
    expect_notice("", "empty");
    expect_notice(" \t\r\n", "white space");
}

TEST(DecodeNotice, TooLarge) {
    expect_notice(std::string(kMaxPayloadBytes + 1, 'a'), "too large");
    expect_notice("{\"text\":\"" + std::string(kMaxPayloadBytes, 'a') + "\"}", "too large");
    EXPECT_EQ(decode_one(std::string(kMaxPayloadBytes, 'a')).text.size(), kMaxPayloadBytes);
}

TEST(DecodeNotice, BinaryAndInvalidUtf8) {
    using namespace std::string_literals;
    expect_notice("a\0b"s, "binary");
    expect_notice("{\"text\":\"a\0b\"}"s, "binary");
    expect_notice("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s, "binary");
    expect_notice("caf\xe9", "not UTF-8");
    expect_notice("{\"text\":\"\xc0\xaf\"}", "not UTF-8");
    expect_notice("\xed\xa0\x80", "not UTF-8");
    expect_notice("\xf4\x90\x80\x80", "not UTF-8");
}

TEST(DecodeNotice, DeepNesting) {
    expect_notice(std::string(33, '[') + std::string(33, ']'), "nested deeper than 32");
    expect_notice(std::string(60000, '['), "nested deeper than 32");
    expect_notice(std::string(100000, '['), "too large");  // the size check comes first
    expect_notice(repeat("{\"a\":", 40) + "1" + std::string(40, '}'), "nested deeper than 32");
    expect_notice(repeat("[{\"text\":", 20) + "1" + repeat("}]", 20), "nested deeper than 32");
    // 32 levels are parsed; the entries are arrays, so they are skipped.
    const auto r = decode_payload(std::string(32, '[') + std::string(32, ']'), kReceived);
    EXPECT_TRUE(r.messages.empty());
    EXPECT_NE(r.notice.find("not an object"), std::string::npos) << r.notice;
}

TEST(DecodeNotice, BracketsInsideStringsAreNotNesting) {
    const std::string brackets(1000, '[');
    EXPECT_EQ(decode_one(R"({"text":")" + brackets + R"("})").text, brackets);
    EXPECT_EQ(decode_one(R"({"text":"\")" + brackets + R"("})").text, "\"" + brackets);
    EXPECT_EQ(decode_one(R"({"text":"\\)" + std::string("\"}")).text, "\\");
}

TEST(DecodeNotice, ObjectWithoutText) {
    expect_notice("{}", "without a \"text\" field");
    expect_notice(R"({"msg":"hi","from":"bob"})", "(fields: from, msg)");
    const auto r = decode_payload(R"({"a\u001b[31m":1})", kReceived);
    EXPECT_TRUE(r.messages.empty());
    EXPECT_FALSE(r.notice.empty());
}

TEST(DecodeNotice, ManyFieldsAreListedShortly) {
    std::string payload = "{";
    for (int i = 0; i < 100; ++i)
        payload += (i ? ",\"" : "\"") + std::string(20, 'k') + std::to_string(i) + "\":0";
    payload += "}";
    const auto r = decode_payload(payload, kReceived);
    EXPECT_TRUE(r.messages.empty());
    EXPECT_LT(r.notice.size(), 200U) << r.notice;
}

TEST(DecodeNotice, WrongTypes) {
    expect_notice(R"({"text":42})", "\"text\" is not a string");
    expect_notice(R"({"text":null})", "\"text\" is not a string");
    expect_notice(R"({"text":["a"]})", "\"text\" is not a string");
    expect_notice(R"({"text":"t","user":{}})", "\"user\" is not a string");
    expect_notice(R"({"text":"t","user":7})", "\"user\" is not a string");
    expect_notice(R"({"text":"t","name":false})", "\"name\" is not a string");
    expect_notice(R"({"text":"t","id":1})", "\"id\" is not a string");
    expect_notice(R"({"text":"t","kind":1})", "\"kind\" is not a string");
    expect_notice(R"({"text":"t","reply_to":[]})", "\"reply_to\" is not a string");
    expect_notice(R"({"text":"t","timestamp":"junk"})", "\"timestamp\" is not a time");
    expect_notice(R"({"text":"t","timestamp":true})", "\"timestamp\" is not a time");
    expect_notice(R"({"text":"t","timestamp":1e300})", "\"timestamp\" is not a time");
    expect_notice(R"({"text":"t","timestamp":18446744073709551615})",
                  "\"timestamp\" is not a time");
    expect_notice(R"({"text":"t","timestamp":{}})", "\"timestamp\" is not a time");
}

TEST(DecodeNotice, ArraysKeepTheGoodEntries) {
    const auto r = decode_payload(
        R"([{"text":"one","user":"a"},{"nope":1},42,{"text":7},{"text":"two","user":"b"},[]])",
        kReceived);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].text, "one");
    EXPECT_EQ(r.messages[1].text, "two");
    EXPECT_NE(r.notice.find("4 of 6 array entries skipped"), std::string::npos) << r.notice;
    EXPECT_NE(r.notice.find("without a \"text\" field"), std::string::npos)
        << r.notice;  // the first problem
}

TEST(DecodeNotice, ArraysOfOnlyBadEntries) {
    const auto r = decode_payload("[1,2,3]", kReceived);
    EXPECT_TRUE(r.messages.empty());
    EXPECT_NE(r.notice.find("3 of 3 array entries skipped"), std::string::npos) << r.notice;
}

TEST(DecodeNotice, EmptyArray) {
    expect_notice("[]", "empty JSON array");
    expect_notice(" [ ] ", "empty JSON array");
}

TEST(DecodeNotice, NoticesNeverCarryRawBytesOfThePayload) {
    using namespace std::string_literals;
    for (const std::string& payload :
         {"\x1b]0;x\x07\xff"s, "\x1b\0"s, std::string(100000, '\x1b')}) {
        const auto r = decode_payload(payload, kReceived);
        EXPECT_TRUE(r.messages.empty());
        EXPECT_EQ(test_support::terminal_safety_problem(r.notice), "") << r.notice;
    }
}

TEST(DecodePayload, HostileCorpusNeverThrowsAndRoundTrips) {
    for (const auto& c : test_support::hostile_corpus()) {
        SCOPED_TRACE(c.name);
        for (const std::string& payload :
             {c.input, "{\"text\":" + nlohmann::json(utf8::make_valid(c.input)).dump() + "}"}) {
            DecodeResult r;
            EXPECT_NO_THROW(r = decode_payload(payload, kReceived));
            EXPECT_TRUE(!r.messages.empty() || !r.notice.empty());
            for (const auto& m : r.messages) {
                const std::string again = encode_payload(m);
                EXPECT_TRUE(nlohmann::json::accept(again)) << again;
                expect_same(decode_one(again), m);
            }
        }
    }
}

}  // namespace
}  // namespace mqchat

namespace mqchat {
namespace {

TEST(DecodePayload, LeadingByteOrderMarkIsIgnored) {
    const auto r =
        decode_payload("\xEF\xBB\xBF{\"user\":\"bom\",\"text\":\"with bom\",\"timestamp\":1}", 5);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].user, "bom");
    EXPECT_EQ(r.messages[0].text, "with bom");
    EXPECT_TRUE(r.notice.empty());
}

}  // namespace
}  // namespace mqchat
