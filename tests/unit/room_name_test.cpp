// Room-name validation and the safe quoting of untrusted bytes in errors.
#include "core/room_name.hpp"

#include <gtest/gtest.h>

#include <string>

#include "terminal_safety.hpp"

namespace mqchat {
namespace {

using namespace std::string_literals;

TEST(RoomName, Valid) {
    for (const std::string name :
         {"general", "a", "Z", "0", "dev-ops", "team_1", "v1.2", "...", "-_-", "ABCxyz019._-"}) {
        EXPECT_TRUE(is_valid_room_name(name)) << name;
        EXPECT_EQ(room_name_problem(name), "") << name;
    }
    EXPECT_TRUE(is_valid_room_name(std::string(64, 'r')));
}

TEST(RoomName, Invalid) {
    for (const std::string& name : {""s,
                                    std::string(65, 'r'),
                                    "+"s,
                                    "#"s,
                                    "a/b"s,
                                    "chat/+/messages"s,
                                    "a b"s,
                                    " general"s,
                                    "general\n"s,
                                    "a\0b"s,
                                    "\0"s,
                                    "caf\xc3\xa9"s,
                                    "\xe6\xbc\xa2"s,
                                    "$SYS"s,
                                    "a\tb"s,
                                    "a\x1b[31m"s,
                                    "a*b"s,
                                    "a:b"s,
                                    "a\\b"s,
                                    "'"s,
                                    "\xff"s}) {
        EXPECT_FALSE(is_valid_room_name(name)) << test_support::terminal_safety_problem(name);
        EXPECT_NE(room_name_problem(name), "");
    }
}

TEST(RoomName, ProblemTexts) {
    const std::string rule = "a room name is 1-64 characters of A-Z a-z 0-9 . _ -";
    EXPECT_EQ(room_name_problem(""), "empty room name: " + rule);
    EXPECT_EQ(room_name_problem(std::string(65, 'r')),
              "room name too long (65 characters): " + rule);
    EXPECT_EQ(room_name_problem("a/b"), "invalid room name 'a/b': " + rule);
    EXPECT_EQ(room_name_problem("a b"), "invalid room name 'a b': " + rule);
    EXPECT_EQ(room_name_problem("#"), "invalid room name '#': " + rule);
}

TEST(RoomName, ControlBytesAreShownAsHex) {
    const std::string rule = ": a room name is 1-64 characters of A-Z a-z 0-9 . _ -";
    EXPECT_EQ(room_name_problem("a\0b"s), "invalid room name 'a\\x00b'" + rule);
    EXPECT_EQ(room_name_problem("x\x1b[2J"), "invalid room name 'x\\x1B[2J'" + rule);
    EXPECT_EQ(room_name_problem("caf\xc3\xa9"), "invalid room name 'caf\\xC3\\xA9'" + rule);
    EXPECT_EQ(room_name_problem("it's"), "invalid room name 'it\\x27s'" + rule);
}

TEST(RoomName, ProblemTextIsAlwaysTerminalSafe) {
    for (const std::string& name : {"\x1b]0;pwned\x07"s,
                                    "\xc2\x9b"
                                    "2J"s,
                                    "\xe2\x80\xae"
                                    "evil"s,
                                    "a\r\nb"s, "\x7f"s, "\xff\xfe"s, std::string(200, '\x1b')}) {
        EXPECT_EQ(test_support::terminal_safety_problem(room_name_problem(name)), "");
    }
}

TEST(RoomTopic, Format) {
    EXPECT_EQ(room_topic("general"), "chat/general/messages");
    EXPECT_EQ(room_topic("a.b-c_d"), "chat/a.b-c_d/messages");
}

TEST(QuoteForError, CutsLongInput) {
    EXPECT_EQ(quote_for_error("abc"), "'abc'");
    EXPECT_EQ(quote_for_error(""), "''");
    EXPECT_EQ(quote_for_error(std::string(50, 'x')), "'" + std::string(40, 'x') + "\xe2\x80\xa6'");
    EXPECT_EQ(quote_for_error(std::string(40, 'x')), "'" + std::string(40, 'x') + "'");
    EXPECT_EQ(quote_for_error("abcdef", 3), "'abc\xe2\x80\xa6'");
    EXPECT_EQ(quote_for_error("a\\b"), "'a\\x5Cb'");
    EXPECT_EQ(quote_for_error("\x7f\x80\xff"), "'\\x7F\\x80\\xFF'");
}

}  // namespace
}  // namespace mqchat
