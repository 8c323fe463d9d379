// Stdin lines for --send - (chunk boundaries, CRLF, empty lines, the last
// line) and the payload-size split of long texts.
#include "core/line_splitter.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "core/payload_codec.hpp"
#include "core/utf8.hpp"
#include "hostile_corpus.hpp"

namespace mqchat {
namespace {

using Lines = std::vector<std::string>;
using test_support::repeat;

Lines split_all(const std::vector<std::string>& chunks) {
    LineSplitter s;
    Lines out;
    for (const auto& c : chunks)
        s.feed(c, out);
    s.finish(out);
    return out;
}

TEST(LineSplitter, CompleteLines) {
    LineSplitter s;
    Lines out;
    s.feed("one\ntwo\n", out);
    EXPECT_EQ(out, (Lines{"one", "two"}));
    EXPECT_EQ(s.line_number(), 2U);
    s.finish(out);
    EXPECT_EQ(out.size(), 2U);
}

TEST(LineSplitter, LinesSplitAcrossFeeds) {
    LineSplitter s;
    Lines out;
    s.feed("hel", out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(s.line_number(), 0U);
    s.feed("lo\nwor", out);
    EXPECT_EQ(out, (Lines{"hello"}));
    s.feed("ld\n", out);
    EXPECT_EQ(out, (Lines{"hello", "world"}));
}

TEST(LineSplitter, ByteAtATimeEqualsOneChunk) {
    const std::string input = "a\r\nbb\n\n\xe6\xbc\xa2\xe5\xad\x97\r\n  \nlast";
    std::vector<std::string> bytes;
    for (char c : input)
        bytes.emplace_back(1, c);
    EXPECT_EQ(split_all(bytes), split_all({input}));
    EXPECT_EQ(split_all({input}), (Lines{"a", "bb", "\xe6\xbc\xa2\xe5\xad\x97", "  ", "last"}));
}

TEST(LineSplitter, Crlf) {
    EXPECT_EQ(split_all({"a\r\nb\r\n"}), (Lines{"a", "b"}));
    EXPECT_EQ(split_all({"a\r", "\nb\r", "\n"}),
              (Lines{"a", "b"}));                       // CR and LF in different chunks
    EXPECT_EQ(split_all({"a\r\r\n"}), (Lines{"a\r"}));  // only one CR belongs to the break
    EXPECT_EQ(split_all({"a\rb\n"}), (Lines{"a\rb"}));  // a lone CR is text (sanitized later)
}

TEST(LineSplitter, EmptyLinesAreSkippedButCounted) {
    LineSplitter s;
    Lines out;
    s.feed("a\n\n\r\n\nb\n", out);
    EXPECT_EQ(out, (Lines{"a", "b"}));
    EXPECT_EQ(s.line_number(), 5U);
}

TEST(LineSplitter, LastLineWithoutNewlineOnFinish) {
    LineSplitter s;
    Lines out;
    s.feed("first\nsecond", out);
    EXPECT_EQ(out, (Lines{"first"}));
    EXPECT_EQ(s.line_number(), 1U);
    s.finish(out);
    EXPECT_EQ(out, (Lines{"first", "second"}));
    EXPECT_EQ(s.line_number(), 2U);
    s.finish(out);  // a second finish adds nothing
    EXPECT_EQ(out.size(), 2U);
    EXPECT_EQ(s.line_number(), 2U);
}

TEST(LineSplitter, LastLineWithOnlyCr) {
    LineSplitter s;
    Lines out;
    s.feed("x\r", out);
    s.finish(out);
    EXPECT_EQ(out, (Lines{"x"}));
}

TEST(LineSplitter, EmptyInput) {
    LineSplitter s;
    Lines out;
    s.feed("", out);
    s.finish(out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(s.line_number(), 0U);
}

TEST(LineSplitter, BytesArePassedThroughUnchanged) {
    const std::string odd("nul\0 esc\x1b[31m bad\xff", 18);
    EXPECT_EQ(split_all({odd + "\n"}), (Lines{odd}));
}

TEST(LineSplitter, AppendsToExistingOutput) {
    LineSplitter s;
    Lines out{"earlier"};
    s.feed("x\n", out);
    EXPECT_EQ(out, (Lines{"earlier", "x"}));
}

TEST(LineSplitter, VeryLongLine) {
    const std::string line(1 << 20, 'x');
    EXPECT_EQ(split_all({line.substr(0, 1000), line.substr(1000), "\n"}), (Lines{line}));
}

// --- split_for_payload --------------------------------------------------------

Message envelope_message(std::string user = "alice") {
    Message m;
    m.id = "01JDDX53AE0000000000000000";
    m.user = std::move(user);
    m.timestamp = 1732441260123;
    return m;
}

std::string join(const std::vector<std::string>& pieces) {
    std::string all;
    for (const auto& p : pieces)
        all += p;
    return all;
}

// Every piece fits in one payload, is valid UTF-8 when the text was, is not
// empty, and decodes back to itself; together they are the whole text.
void expect_good_split(const std::string& text, Message m = envelope_message()) {
    const std::size_t envelope = encode_payload(m).size();
    const auto pieces = split_for_payload(text, envelope);
    ASSERT_FALSE(pieces.empty());
    EXPECT_EQ(join(pieces), text);
    const bool valid = utf8::is_valid(text);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        SCOPED_TRACE("piece " + std::to_string(i) + " of " + std::to_string(pieces.size()));
        m.text = pieces[i];
        const std::string payload = encode_payload(m);
        ASSERT_LE(payload.size(), kMaxPayloadBytes);
        if (pieces.size() > 1) {
            ASSERT_FALSE(pieces[i].empty());
        }
        if (valid) {
            ASSERT_TRUE(utf8::is_valid(pieces[i]));
            const auto decoded = decode_payload(payload, 0);
            ASSERT_EQ(decoded.notice, "");
            ASSERT_EQ(decoded.messages.size(), 1U);
            ASSERT_EQ(decoded.messages[0].text, pieces[i]);
        }
    }
}

TEST(SplitForPayload, ShortTextIsOnePiece) {
    const std::size_t envelope = encode_payload(envelope_message()).size();
    EXPECT_EQ(split_for_payload("hi", envelope), (Lines{"hi"}));
    EXPECT_EQ(split_for_payload("", envelope), (Lines{""}));
    const std::string fits(kMaxPayloadBytes - envelope - 16, 'x');
    EXPECT_EQ(split_for_payload(fits, envelope), (Lines{fits}));
}

TEST(SplitForPayload, LongAsciiSplitsIntoFittingPieces) {
    const std::string text(200 * 1024, 'a');
    const std::size_t envelope = encode_payload(envelope_message()).size();
    const auto pieces = split_for_payload(text, envelope);
    EXPECT_EQ(pieces.size(), 4U);
    expect_good_split(text);
}

TEST(SplitForPayload, PrefersCuttingAfterWhiteSpace) {
    std::string text;
    for (int i = 0; text.size() < 200 * 1024; ++i)
        text += "word" + std::to_string(i) + (i % 10 == 9 ? "\n" : " ");
    const std::size_t envelope = encode_payload(envelope_message()).size();
    const auto pieces = split_for_payload(text, envelope);
    ASSERT_GT(pieces.size(), 1U);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
        const char last = pieces[i].back();
        EXPECT_TRUE(last == ' ' || last == '\n') << "piece " << i << " ends with '" << last << "'";
        EXPECT_GT(pieces[i].size(), 60000U);  // and still uses the room it has
    }
    expect_good_split(text);
}

TEST(SplitForPayload, MultiByteCharactersAreNeverCut) {
    expect_good_split(repeat("\xe6\xbc\xa2", 70000));      // 漢, 3 bytes
    expect_good_split(repeat("\xf0\x9f\x98\x80", 50000));  // 😀, 4 bytes
    expect_good_split(repeat("a\xc3\xa9", 100000));        // mixed 1 and 2 bytes
    expect_good_split("x" + repeat("e\xcc\x81", 60000));   // base + combining mark
}

TEST(SplitForPayload, EscapingCostIsCounted) {
    expect_good_split(std::string(100000, '\x01'));  // each byte becomes \u0001: 6x
    expect_good_split(repeat("\x1b[31m", 30000));
    expect_good_split(repeat("\"\\", 60000));              // 2x
    expect_good_split(repeat("\xc2\x85", 60000));          // C1 NEL: 2 bytes -> 6
    expect_good_split(repeat("\xe2\x80\xae", 60000));      // RLO: 3 bytes -> 6
    expect_good_split(repeat("\xf3\xa0\x81\x81", 30000));  // tag character: 4 bytes -> 12
    expect_good_split("a " + std::string(70000, '\x01'));  // cut after the space, then escapes
}

TEST(SplitForPayload, InvalidUtf8Fits) {
    // Each invalid byte is sent as U+FFFD, three bytes.
    expect_good_split(std::string(100000, '\xff'));
}

TEST(SplitForPayload, LargeEnvelopes) {
    expect_good_split(std::string(150000, 'z'), envelope_message(repeat("\x01", 64)));
    expect_good_split(repeat("a ", 100000), envelope_message(std::string(64, 'u')));
}

TEST(SplitForPayload, RandomMixturesAlwaysFit) {
    const std::vector<std::string> alphabet = {" ",
                                               "a",
                                               "\n",
                                               "\x01",
                                               "\"",
                                               "\\",
                                               "\xc3\xa9",
                                               "\xe6\xbc\xa2",
                                               "\xf0\x9f\x98\x80",
                                               "\xe2\x80\xae",
                                               "\xf3\xa0\x81\x81",
                                               "\xc2\x9b",
                                               "\xcc\x81",
                                               "\x7f",
                                               "\t"};
    std::mt19937 rng(12345);
    for (int round = 0; round < 12; ++round) {
        std::string text;
        const std::size_t target = 60000 + static_cast<std::size_t>(round) * 15000;
        std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
        std::uniform_int_distribution<int> run(1, round % 3 == 0 ? 2000 : 5);
        while (text.size() < target) {
            const std::string& s = alphabet[pick(rng)];
            for (int k = run(rng); k > 0; --k)
                text += s;
        }
        SCOPED_TRACE("round " + std::to_string(round));
        expect_good_split(text);
    }
}

TEST(SplitForPayload, HostileCorpusIsOnePieceEach) {
    const std::size_t envelope = encode_payload(envelope_message()).size();
    for (const auto& c : test_support::hostile_corpus()) {
        EXPECT_EQ(split_for_payload(c.input, envelope).size(), 1U) << c.name;
    }
}

}  // namespace
}  // namespace mqchat
