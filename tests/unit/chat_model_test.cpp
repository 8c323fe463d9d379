// The chat state machine: keys in, actions out (sending, commands, completion,
// pastes), messages and history into rooms, unread and mention counts,
// delivery states and the fetching of older history.
#include "core/chat_model.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/payload_codec.hpp"

namespace mqchat {
namespace {

constexpr std::int64_t kNow = 1732441260000;  // 2024-11-24T09:41:00Z

ChatSettings settings(bool has_server = true) {
    ChatSettings s;
    s.user_id = "alice";
    s.user_name = "Ally";
    s.server_label = "alice@127.0.0.1:8080";
    s.has_server = has_server;
    return s;
}

Message msg(const std::string& id, const std::string& user, const std::string& text,
            std::int64_t ts = kNow) {
    Message m;
    m.id = id;
    m.user = user;
    m.text = text;
    m.timestamp = ts;
    return m;
}

std::vector<Message> page(int from, int count) {
    std::vector<Message> out;
    for (int i = from; i < from + count; ++i)
        out.push_back(msg("h" + std::to_string(100 + i), "bob", "old " + std::to_string(i)));
    return out;
}

std::vector<std::string> ids_of(const RoomState& room) {
    std::vector<std::string> out;
    for (const auto& e : room.log.entries())
        out.push_back(e.message.id);
    return out;
}

std::vector<std::string> notices_of(const RoomState& room) {
    std::vector<std::string> out;
    for (const auto& e : room.log.entries())
        if (e.message.kind == MessageKind::notice) out.push_back(e.message.text);
    return out;
}

using Strings = std::vector<std::string>;

class ChatModelTest : public ::testing::Test {
  protected:
    std::vector<Action> key(const Key& k) { return model.on_key(k, kNow); }
    std::vector<Action> type(const std::string& text) {
        std::vector<Action> all;
        for (char c : text) {
            auto a = key(Key::typed(std::string(1, c)));
            all.insert(all.end(), a.begin(), a.end());
        }
        return all;
    }
    std::vector<Action> enter() { return key(Key::of(Key::Kind::enter)); }
    std::vector<Action> line(const std::string& text) {
        type(text);
        return enter();
    }
    // "bye" sent in #random, which is then parted before the broker answers:
    // the id of that message.
    std::string sent_then_parted() {
        line("/join random");
        const auto sent = line("bye");
        EXPECT_EQ(sent.size(), 1U);
        line("/part");
        EXPECT_EQ(model.room("random"), nullptr);
        return sent.empty() ? std::string() : sent[0].message_id;
    }
    std::vector<Action> tab() { return key(Key::of(Key::Kind::tab)); }
    Message decoded(const Action& a) {
        const DecodeResult r = decode_payload(a.payload, 0);
        EXPECT_TRUE(r.notice.empty()) << r.notice;
        EXPECT_EQ(r.messages.size(), 1U);
        return r.messages.empty() ? Message{} : r.messages.front();
    }

    ChatModel model{settings(), "general", UlidGenerator::seeded(42)};
};

// --- sending

TEST_F(ChatModelTest, EnterPublishesACanonicalPayload) {
    type("hello there");
    const auto actions = enter();
    ASSERT_EQ(actions.size(), 1U);
    const Action& a = actions[0];
    EXPECT_EQ(a.kind, Action::Kind::publish);
    EXPECT_EQ(a.room, "general");
    EXPECT_FALSE(a.message_id.empty());
    const Message m = decoded(a);
    EXPECT_EQ(m.id, a.message_id);
    EXPECT_EQ(m.user, "alice");
    EXPECT_EQ(m.name, "Ally");
    EXPECT_EQ(m.text, "hello there");
    EXPECT_EQ(m.timestamp, kNow);
    EXPECT_EQ(m.kind, MessageKind::text);
    // Shown at once as ours, pending, and the line is cleared.
    const auto& entries = model.current().log.entries();
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].message.id, a.message_id);
    EXPECT_TRUE(entries[0].mine);
    EXPECT_EQ(entries[0].delivery, Delivery::pending);
    EXPECT_EQ(model.pending(), 1);
    EXPECT_TRUE(model.editor().empty());
}

TEST_F(ChatModelTest, EachSendHasANewId) {
    const auto first = line("one");
    const auto second = line("two");
    ASSERT_EQ(first.size(), 1U);
    ASSERT_EQ(second.size(), 1U);
    EXPECT_NE(first[0].message_id, second[0].message_id);
    EXPECT_EQ(model.pending(), 2);
}

TEST_F(ChatModelTest, EmptyOrBlankLineSendsNothing) {
    EXPECT_TRUE(enter().empty());
    EXPECT_TRUE(line("   ").empty());
    EXPECT_TRUE(model.current().log.empty());
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, DoubleSlashSendsTheTextWithOneSlash) {
    const auto actions = line("//x is not a command");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::publish);
    EXPECT_EQ(decoded(actions[0]).text, "/x is not a command");
}

TEST_F(ChatModelTest, SendingScrollsToTheBottom) {
    model.on_history("general", ChatModel::Page::initial, page(0, 30), 50);
    model.after_layout({10, 25, false});
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(model.current().viewport.scroll(), 8);
    line("back to the present");
    EXPECT_EQ(model.current().viewport.scroll(), 0);
}

// --- commands

TEST_F(ChatModelTest, JoinANewRoomSwitchesToIt) {
    const auto actions = line("/join random");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::join);
    EXPECT_EQ(actions[0].room, "random");
    EXPECT_EQ(model.room_names(), (Strings{"general", "random"}));
    EXPECT_EQ(model.active(), 1U);
    EXPECT_EQ(model.current().name, "random");
    EXPECT_FALSE(model.current().history_loaded);  // the app loads it
}

TEST_F(ChatModelTest, JoinAcceptsAHash) {
    const auto actions = line("/join #random");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].room, "random");
}

TEST_F(ChatModelTest, JoinAnInvalidRoomIsANotice) {
    EXPECT_TRUE(line("/join no/such+room").empty());
    EXPECT_EQ(model.rooms().size(), 1U);
    const auto notices = notices_of(model.current());
    ASSERT_EQ(notices.size(), 1U);
    EXPECT_NE(notices[0].find("invalid room name"), std::string::npos) << notices[0];
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, JoinWithoutARoomShowsUsage) {
    EXPECT_TRUE(line("/join").empty());
    EXPECT_EQ(notices_of(model.current()), (Strings{"usage: /join ROOM"}));
}

TEST_F(ChatModelTest, JoinAnOpenRoomOnlySwitches) {
    line("/join random");
    key(Key::meta('1'));
    EXPECT_EQ(model.active(), 0U);
    EXPECT_TRUE(line("/join random").empty());
    EXPECT_EQ(model.active(), 1U);
    EXPECT_EQ(model.rooms().size(), 2U);
    EXPECT_TRUE(line("/join #general").empty());
    EXPECT_EQ(model.active(), 0U);
}

TEST_F(ChatModelTest, PartLeavesTheRoom) {
    line("/join random");
    const auto actions = line("/part");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::part);
    EXPECT_EQ(actions[0].room, "random");
    EXPECT_EQ(model.room_names(), (Strings{"general"}));
    EXPECT_EQ(model.active(), 0U);
}

TEST_F(ChatModelTest, PartOfAMiddleRoomKeepsAValidActiveRoom) {
    line("/join b");
    line("/join c");
    key(Key::meta('2'));
    const auto actions = line("/part");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].room, "b");
    EXPECT_EQ(model.room_names(), (Strings{"general", "c"}));
    EXPECT_EQ(model.current().name, "c");
}

TEST_F(ChatModelTest, PartOfTheLastRoomIsRefused) {
    EXPECT_TRUE(line("/part").empty());
    EXPECT_EQ(model.room_names(), (Strings{"general"}));
    EXPECT_EQ(notices_of(model.current()), (Strings{"this is the last room: /quit leaves mqchat"}));
}

TEST_F(ChatModelTest, MeSendsAnAction) {
    const auto actions = line("/me waves");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::publish);
    const Message m = decoded(actions[0]);
    EXPECT_EQ(m.kind, MessageKind::me);
    EXPECT_EQ(m.text, "waves");
    EXPECT_EQ(m.user, "alice");
    EXPECT_EQ(model.current().log.entries().back().message.kind, MessageKind::me);
}

TEST_F(ChatModelTest, QuitAsksTheAppToQuit) {
    EXPECT_FALSE(model.quitting());
    const auto actions = line("/quit");
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::quit);
    EXPECT_TRUE(model.quitting());
}

TEST_F(ChatModelTest, CtrlCQuitsAndCtrlLRedraws) {
    auto actions = key(Key::control('l'));
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::redraw);
    EXPECT_FALSE(model.quitting());
    actions = key(Key::control('c'));
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::quit);
    EXPECT_TRUE(model.quitting());
}

TEST_F(ChatModelTest, HelpListsEveryCommandAndTheKeys) {
    EXPECT_TRUE(line("/help").empty());
    const auto notices = notices_of(model.current());
    ASSERT_EQ(notices.size(), 6U);
    EXPECT_EQ(notices[0], "/join ROOM  join ROOM (or switch to it)");
    EXPECT_EQ(notices[1], "/part  leave the current room");
    EXPECT_EQ(notices[2], "/me TEXT  send TEXT as an action: * you TEXT");
    EXPECT_EQ(notices[3], "/help  list commands and keys");
    EXPECT_EQ(notices[4], "/quit  leave mqchat");
    EXPECT_TRUE(notices[5].starts_with("keys: ")) << notices[5];
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, UnknownCommandIsANotice) {
    EXPECT_TRUE(line("/frobnicate now").empty());
    EXPECT_EQ(notices_of(model.current()), (Strings{"unknown command /frobnicate (try /help)"}));
}

// --- Tab completion

TEST_F(ChatModelTest, TabCompletesACommand) {
    type("/jo");
    tab();
    EXPECT_EQ(model.editor().text(), "/join ");
    type("random");
    const auto actions = enter();
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::join);
}

TEST_F(ChatModelTest, TabCyclesThroughCommands) {
    type("/");
    tab();
    EXPECT_EQ(model.editor().text(), "/join ");
    tab();
    EXPECT_EQ(model.editor().text(), "/part ");
    tab();
    tab();
    tab();
    EXPECT_EQ(model.editor().text(), "/quit ");
    tab();
    EXPECT_EQ(model.editor().text(), "/join ");
}

TEST_F(ChatModelTest, CommandsAreOnlyCompletedAtTheStart) {
    type("see /jo");
    tab();
    EXPECT_EQ(model.editor().text(), "see /jo");
}

class ChatModelNicks : public ChatModelTest {
  protected:
    void SetUp() override {
        model.on_message("general", msg("1", "bob", "hi"));
        model.on_message("general", msg("2", "carol", "hello"));
        model.on_message("general", msg("3", "alice", "me, from elsewhere"));
        model.on_message("general", msg("4", "bert", "yo"));
    }
};

TEST_F(ChatModelNicks, AtNickCompletesWithASpace) {
    type("hey @bo");
    tab();
    EXPECT_EQ(model.editor().text(), "hey @bob ");
}

TEST_F(ChatModelNicks, NickAtLineStartGetsAColon) {
    type("bo");
    tab();
    EXPECT_EQ(model.editor().text(), "bob: ");
    type("hi");
    EXPECT_EQ(model.editor().text(), "bob: hi");
}

TEST_F(ChatModelNicks, NickInMidLineGetsASpace) {
    type("ask car");
    tab();
    EXPECT_EQ(model.editor().text(), "ask carol ");
}

TEST_F(ChatModelNicks, RepeatedTabCyclesNewestFirst) {
    type("@b");
    tab();
    EXPECT_EQ(model.editor().text(), "@bert ");
    tab();
    EXPECT_EQ(model.editor().text(), "@bob ");
    tab();
    EXPECT_EQ(model.editor().text(), "@bert ");
}

TEST_F(ChatModelNicks, ACaseInsensitivePrefixAndNeverOurselves) {
    type("BO");
    tab();
    EXPECT_EQ(model.editor().text(), "bob: ");
    key(Key::control('u'));
    type("@al");
    tab();
    EXPECT_EQ(model.editor().text(), "@al");
}

TEST_F(ChatModelNicks, AnotherKeyEndsTheCycle) {
    type("@b");
    tab();
    type("x");
    EXPECT_EQ(model.editor().text(), "@bert x");
    type(" @b");
    tab();
    EXPECT_EQ(model.editor().text(), "@bert x @bert ");
}

TEST_F(ChatModelNicks, NoCandidateLeavesTheLineAlone) {
    type("zed");
    tab();
    EXPECT_EQ(model.editor().text(), "zed");
}

// --- pastes

TEST_F(ChatModelTest, MultiLinePasteAsksFirst) {
    EXPECT_TRUE(key(Key::pasted("one\ntwo\r\n\nthree\n")).empty());
    EXPECT_EQ(model.prompt(), "Send the pasted 3 lines as 3 messages? [y/N]");
    // Other keys wait for the answer and do not edit the line.
    EXPECT_TRUE(type("x").empty());
    EXPECT_TRUE(model.editor().empty());
    EXPECT_FALSE(model.prompt().empty());
}

TEST_F(ChatModelTest, YesSendsEachPastedLine) {
    key(Key::pasted("one\ntwo\r\nthree"));
    const auto actions = type("y");
    ASSERT_EQ(actions.size(), 3U);
    Strings texts;
    for (const auto& a : actions) {
        EXPECT_EQ(a.kind, Action::Kind::publish);
        EXPECT_EQ(a.room, "general");
        texts.push_back(decoded(a).text);
    }
    EXPECT_EQ(texts, (Strings{"one", "two", "three"}));
    EXPECT_EQ(model.prompt(), "");
    EXPECT_EQ(model.pending(), 3);
    EXPECT_EQ(model.current().log.size(), 3U);
}

TEST_F(ChatModelTest, NoDiscardsThePaste) {
    key(Key::pasted("one\ntwo"));
    EXPECT_TRUE(type("n").empty());
    EXPECT_EQ(model.prompt(), "");
    EXPECT_EQ(model.pending(), 0);
    EXPECT_EQ(notices_of(model.current()), (Strings{"paste of 2 lines not sent"}));
    EXPECT_TRUE(model.editor().empty());
}

TEST_F(ChatModelTest, EnterOrEscapeAlsoDiscardThePaste) {
    key(Key::pasted("one\ntwo"));
    EXPECT_TRUE(enter().empty());
    EXPECT_EQ(model.prompt(), "");
    key(Key::pasted("three\nfour"));
    EXPECT_TRUE(key(Key::of(Key::Kind::escape)).empty());
    EXPECT_EQ(model.prompt(), "");
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, SingleLinePasteIsInsertedNotSent) {
    type("say: ");
    EXPECT_TRUE(key(Key::pasted("pasted words\n")).empty());
    EXPECT_EQ(model.prompt(), "");
    EXPECT_EQ(model.editor().text(), "say: pasted words");
    EXPECT_TRUE(model.current().log.empty());
}

// Copied coloured terminal output: its escapes, carriage returns and other
// controls are not sent on; tabs become spaces; a line of nothing but escapes
// is no line.
TEST_F(ChatModelTest, PastedTextIsCleanedBeforeItIsSent) {
    key(Key::pasted("\x1b[31mred\x1b[0m\tdone\r\n\x1b]0;title\x07\n\x1b[1mbold\x7f\x01"));
    const auto actions = type("y");
    ASSERT_EQ(actions.size(), 2U);
    EXPECT_EQ(decoded(actions[0]).text, "red    done");
    EXPECT_EQ(decoded(actions[1]).text, "bold");
    key(Key::pasted("\x1b[32mone line\x1b[0m"));
    EXPECT_EQ(model.editor().text(), "one line");
}

// --- messages

TEST_F(ChatModelTest, OnMessageSkipsKnownIds) {
    model.on_message("general", msg("1", "bob", "hi"));
    model.on_message("general", msg("1", "bob", "hi"));
    model.on_message("general", msg("2", "bob", "again"));
    EXPECT_EQ(ids_of(model.current()), (Strings{"1", "2"}));
    model.on_message("nowhere", msg("3", "bob", "not joined"));  // ignored
    EXPECT_EQ(model.current().log.size(), 2U);
}

TEST_F(ChatModelTest, OwnEchoIsNotShownTwice) {
    const auto actions = line("hello");
    ASSERT_EQ(actions.size(), 1U);
    Message echo = decoded(actions[0]);
    model.on_message("general", echo);
    ASSERT_EQ(model.current().log.size(), 1U);
    EXPECT_EQ(model.current().log.entries()[0].delivery, Delivery::pending);
    model.on_published(actions[0].message_id);
    EXPECT_EQ(model.current().log.entries()[0].delivery, Delivery::sent);
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, MentionsAreWholeWordsOfIdOrName) {
    // By account id and by display name ("Ally"), ignoring case.
    EXPECT_TRUE(model.mentions_me("alice"));
    EXPECT_TRUE(model.mentions_me("hi alice, lunch?"));
    EXPECT_TRUE(model.mentions_me("ALICE: ping"));
    EXPECT_TRUE(model.mentions_me("@Alice"));
    EXPECT_TRUE(model.mentions_me("thanks ally"));
    EXPECT_TRUE(model.mentions_me("is that you, Ally?"));
    EXPECT_TRUE(model.mentions_me("see you, alice."));
    EXPECT_TRUE(model.mentions_me("alice... are you there"));
    // Not a word of its own.
    EXPECT_FALSE(model.mentions_me("alicex"));
    EXPECT_FALSE(model.mentions_me("malice"));
    EXPECT_FALSE(model.mentions_me("alice_2"));
    EXPECT_FALSE(model.mentions_me("alice-bot"));
    EXPECT_FALSE(model.mentions_me("alice.example.org"));
    EXPECT_FALSE(model.mentions_me("allyson"));
    EXPECT_FALSE(model.mentions_me("alicé"));
    EXPECT_FALSE(model.mentions_me(""));
}

TEST_F(ChatModelTest, MessagesAreMarkedAsMentions) {
    model.on_message("general", msg("1", "bob", "alice: look"));
    model.on_message("general", msg("2", "bob", "alicex"));
    model.on_message("general", msg("3", "alice", "alice talks about herself"));
    const auto& entries = model.current().log.entries();
    EXPECT_TRUE(entries[0].mention);
    EXPECT_FALSE(entries[1].mention);
    EXPECT_FALSE(entries[2].mention);  // ours, not a mention
    EXPECT_TRUE(entries[2].mine);
}

TEST_F(ChatModelTest, UnreadAndMentionsCountOnlyInOtherRooms) {
    line("/join random");
    key(Key::meta('1'));
    model.on_message("general", msg("g1", "bob", "here, seen"));
    model.on_message("random", msg("r1", "bob", "hi"));
    model.on_message("random", msg("r2", "carol", "where is ally?"));
    model.on_message("random", msg("r3", "carol", "hm"));
    EXPECT_EQ(model.rooms()[0].unread, 0);
    EXPECT_EQ(model.rooms()[1].unread, 3);
    EXPECT_EQ(model.rooms()[1].mentions, 1);
    EXPECT_EQ(model.rooms()[1].divider_before, "r1");
    key(Key::meta('2'));
    EXPECT_EQ(model.current().name, "random");
    EXPECT_EQ(model.rooms()[1].unread, 0);
    EXPECT_EQ(model.rooms()[1].mentions, 0);
    EXPECT_EQ(model.rooms()[1].divider_before, "r1");  // shown until we leave again
    key(Key::meta('1'));
    EXPECT_EQ(model.rooms()[1].divider_before, "");
}

TEST_F(ChatModelTest, CtrlNAndCtrlPCycleRooms) {
    line("/join b");
    line("/join c");
    EXPECT_EQ(model.active(), 2U);
    key(Key::control('n'));
    EXPECT_EQ(model.active(), 0U);
    key(Key::control('n'));
    EXPECT_EQ(model.active(), 1U);
    key(Key::control('p'));
    key(Key::control('p'));
    EXPECT_EQ(model.active(), 2U);
    key(Key::meta('9'));  // no ninth room
    EXPECT_EQ(model.active(), 2U);
}

TEST_F(ChatModelTest, NewMessagesWhileScrolledUpAreCountedBelow) {
    model.on_history("general", ChatModel::Page::initial, page(0, 30), 50);
    model.after_layout({10, 25, false});
    key(Key::of(Key::Kind::page_up));
    model.on_message("general", msg("n1", "bob", "new"));
    model.on_message("general", msg("n2", "bob", "newer"));
    EXPECT_EQ(model.current().viewport.new_below(), 2);
    EXPECT_EQ(model.current().unread, 0);
    key(Key::of(Key::Kind::escape));
    EXPECT_EQ(model.current().viewport.scroll(), 0);
    EXPECT_EQ(model.current().viewport.new_below(), 0);
}

// Each room keeps where its view was; the keys scroll the room shown.
TEST_F(ChatModelTest, EachRoomKeepsItsScrollPosition) {
    model.on_history("general", ChatModel::Page::initial, page(0, 30), 50);
    model.after_layout({10, 25, false});
    key(Key::of(Key::Kind::page_up));
    line("/join random");
    EXPECT_TRUE(model.current().viewport.following());
    key(Key::meta('1'));
    EXPECT_EQ(model.current().viewport.scroll(), 8);
    key(Key::of(Key::Kind::escape));
    EXPECT_TRUE(model.current().viewport.following());
    EXPECT_TRUE(model.rooms()[1].viewport.following());
}

// --- history

TEST_F(ChatModelTest, InitialHistoryGoesBeforeLiveMessages) {
    model.on_message("general", msg("h104", "bob", "old 4, live first"));
    model.on_message("general", msg("live", "bob", "live"));
    EXPECT_FALSE(model.current().history_loaded);
    model.on_history("general", ChatModel::Page::initial, page(0, 5), 5);
    EXPECT_EQ(ids_of(model.current()), (Strings{"h100", "h101", "h102", "h103", "h104", "live"}));
    EXPECT_TRUE(model.current().history_loaded);
    EXPECT_FALSE(model.current().history_complete);  // a full page: there may be more
    EXPECT_EQ(model.current().unread, 0);
}

TEST_F(ChatModelTest, AShortPageMeansTheHistoryIsComplete) {
    model.on_history("general", ChatModel::Page::initial, page(0, 3), 5);
    EXPECT_TRUE(model.current().history_loaded);
    EXPECT_TRUE(model.current().history_complete);
}

TEST_F(ChatModelTest, OlderAndNewerPages) {
    model.on_history("general", ChatModel::Page::initial, page(10, 5), 5);
    model.on_history("general", ChatModel::Page::older, page(5, 5), 5);
    EXPECT_FALSE(model.current().history_complete);
    model.on_history("general", ChatModel::Page::older, page(3, 2), 5);
    EXPECT_TRUE(model.current().history_complete);
    model.on_history("general", ChatModel::Page::newer, page(14, 3), 5);  // h114 is known
    const auto ids = ids_of(model.current());
    ASSERT_EQ(ids.size(), 14U);
    EXPECT_EQ(ids.front(), "h103");
    EXPECT_EQ(ids[2], "h105");
    EXPECT_EQ(ids[7], "h110");
    EXPECT_EQ(ids.back(), "h116");
}

TEST_F(ChatModelTest, OwnMessagesFromHistoryAreMineWithoutADeliveryState) {
    model.on_history("general", ChatModel::Page::initial, {msg("x", "alice", "earlier")}, 5);
    const auto& e = model.current().log.entries().front();
    EXPECT_TRUE(e.mine);
    EXPECT_EQ(e.delivery, Delivery::none);
}

TEST_F(ChatModelTest, HistoryFailureIsANoticeAndStopsLoading) {
    model.on_history_failed("general", "HTTP 503");
    EXPECT_TRUE(model.current().history_loaded);
    EXPECT_EQ(notices_of(model.current()), (Strings{"history: HTTP 503"}));
}

// Everything loaded fits on screen (max_scroll 0, top visible): PgUp there is
// "show me more", which the model turns into one fetch of an older page.
TEST_F(ChatModelTest, ScrollingPastTheTopFetchesOlderHistoryOnce) {
    model.on_history("general", ChatModel::Page::initial, page(10, 5), 5);
    const LayoutReport all_visible{10, 0, true};
    EXPECT_TRUE(model.after_layout(all_visible).empty());  // not without asking
    key(Key::of(Key::Kind::page_up));
    auto actions = model.after_layout(all_visible);
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, Action::Kind::fetch_older);
    EXPECT_EQ(actions[0].room, "general");
    EXPECT_EQ(actions[0].before, "h110");
    EXPECT_TRUE(model.current().loading_older);
    // Once per request, and not again while that page is loading.
    EXPECT_TRUE(model.after_layout(all_visible).empty());
    key(Key::of(Key::Kind::page_up));
    key(Key::of(Key::Kind::wheel_up));
    EXPECT_TRUE(model.after_layout(all_visible).empty());
    EXPECT_TRUE(model.after_layout(all_visible).empty());
    // The page arrives; asking again fetches the next one.
    model.on_history("general", ChatModel::Page::older, page(5, 5), 5);
    EXPECT_FALSE(model.current().loading_older);
    model.after_layout(LayoutReport{10, 0, false});
    key(Key::of(Key::Kind::page_up));
    actions = model.after_layout(all_visible);
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].before, "h105");
}

// A wish for older history made in a room is not carried into the room shown
// after /part (it used to fetch a page there nobody asked for).
TEST_F(ChatModelTest, PartingDropsTheWishForOlderHistory) {
    line("/join random");
    model.on_history("random", ChatModel::Page::initial, page(10, 5), 5);
    model.on_history("general", ChatModel::Page::initial, page(20, 5), 5);
    const LayoutReport all_visible{10, 0, true};
    model.after_layout(all_visible);
    model.on_history("random", ChatModel::Page::older, {}, 5);  // random: nothing older
    key(Key::of(Key::Kind::page_up));                           // asked there anyway
    line("/part");
    ASSERT_EQ(model.current().name, "general");
    for (const Action& a : model.after_layout(all_visible))
        EXPECT_NE(a.kind, Action::Kind::fetch_older);
}

TEST_F(ChatModelTest, ScrollingWithinTheLoadedMessagesFetchesNothing) {
    model.on_history("general", ChatModel::Page::initial, page(0, 30), 30);
    model.after_layout({10, 25, false});
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(model.current().viewport.scroll(), 8);
    EXPECT_TRUE(model.after_layout({10, 25, false}).empty());
    key(Key::of(Key::Kind::page_up));
    key(Key::of(Key::Kind::page_up));
    EXPECT_EQ(model.current().viewport.scroll(), 24);
    EXPECT_TRUE(model.after_layout({10, 25, false}).empty());
    key(Key::of(Key::Kind::page_up));  // past the top
    EXPECT_EQ(model.current().viewport.scroll(), 25);
    const auto actions = model.after_layout({10, 25, true});
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].before, "h100");
}

TEST_F(ChatModelTest, NoFetchWhenTheHistoryIsComplete) {
    model.on_history("general", ChatModel::Page::initial, page(0, 3), 5);
    key(Key::of(Key::Kind::page_up));
    EXPECT_TRUE(model.after_layout({10, 0, true}).empty());
}

TEST_F(ChatModelTest, NoFetchBeforeTheFirstPage) {
    key(Key::of(Key::Kind::page_up));
    EXPECT_TRUE(model.after_layout({10, 0, true}).empty());
}

TEST(ChatModelNoServer, NeverFetchesHistory) {
    ChatModel model(settings(false), "general", UlidGenerator::seeded(1));
    EXPECT_TRUE(model.current().history_loaded);
    EXPECT_TRUE(model.current().history_complete);
    model.on_message("general", msg("1", "bob", "hi"));
    model.on_key(Key::of(Key::Kind::page_up), kNow);
    EXPECT_TRUE(model.after_layout({10, 0, true}).empty());
}

// --- delivery

TEST_F(ChatModelTest, PendingCountsUnacknowledgedSends) {
    const auto a = line("one");
    const auto b = line("two");
    const auto c = line("three");
    EXPECT_EQ(model.pending(), 3);
    model.on_published(a[0].message_id);
    EXPECT_EQ(model.pending(), 2);
    model.on_published(a[0].message_id);  // acknowledged twice: counted once
    model.on_published("unknown-id");
    EXPECT_EQ(model.pending(), 2);
    model.on_publish_failed(b[0].message_id, "not authorized", kNow);
    EXPECT_EQ(model.pending(), 1);
    model.on_published(b[0].message_id);  // failed stays failed
    EXPECT_EQ(model.pending(), 1);
    const auto& entries = model.current().log.entries();
    EXPECT_EQ(entries[0].delivery, Delivery::sent);
    EXPECT_EQ(entries[1].delivery, Delivery::failed);
    EXPECT_EQ(entries[2].delivery, Delivery::pending);
    EXPECT_EQ(notices_of(model.current()), (Strings{"not sent: not authorized"}));
    model.on_published(c[0].message_id);
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, PublishAcknowledgedAfterSwitchingRooms) {
    const auto a = line("from general");
    line("/join random");
    model.on_published(a[0].message_id);
    EXPECT_EQ(model.rooms()[0].log.entries()[0].delivery, Delivery::sent);
    EXPECT_EQ(model.pending(), 0);
}

TEST_F(ChatModelTest, LinkStateAndToken) {
    EXPECT_EQ(model.link(), LinkState::connecting);
    model.on_link(LinkState::reconnecting, kNow + 3000, "connection lost");
    EXPECT_EQ(model.link(), LinkState::reconnecting);
    EXPECT_EQ(model.retry_at_ms(), kNow + 3000);
    EXPECT_EQ(notices_of(model.current()), (Strings{"connection lost"}));
    model.on_token(kNow + 60000);
    EXPECT_EQ(model.token_expires_at_ms(), kNow + 60000);
}

// An acknowledgement for a message no longer in the scrollback (newer messages
// trimmed it) must still end its pending state: otherwise "1 pending" stays in
// the status line and /quit waits out its grace period for an ack that came.
// (Seen while writing fuzz_chat_screen.)
TEST_F(ChatModelTest, AckOfAMessageTrimmedFromTheScrollbackEndsPending) {
    ChatSettings small = settings();
    small.scrollback = 2;
    ChatModel m{small, "general", UlidGenerator::seeded(42)};
    m.on_key(Key::typed("hello"), kNow);
    const auto sent = m.on_key(Key::of(Key::Kind::enter), kNow);
    ASSERT_EQ(sent.size(), 1U);
    m.on_message("general", msg("b1", "bob", "one"));
    m.on_message("general", msg("b2", "bob", "two"));  // trims ours
    ASSERT_FALSE(m.current().log.contains(sent[0].message_id));
    m.on_published(sent[0].message_id);
    EXPECT_EQ(m.pending(), 0);
}

// The same after /part: the broker still acks the publish, but the room and
// its log are gone.
TEST_F(ChatModelTest, AckOfAMessageInAPartedRoomEndsPending) {
    model.on_published(sent_then_parted());
    EXPECT_EQ(model.pending(), 0);
}

// A refusal for a parted room's message is still said, where the user is.
TEST_F(ChatModelTest, RefusalOfAMessageInAPartedRoomIsANoticeHere) {
    model.on_publish_failed(sent_then_parted(), "not authorized", kNow);
    EXPECT_EQ(model.pending(), 0);
    EXPECT_EQ(notices_of(model.current()), (Strings{"not sent to #random: not authorized"}));
}

// Local notices were keyed "local-N" in the room's log, and ids from the network
// are free-form: another client that sends messages with ids "local-1",
// "local-2"... makes our own notices (failed sends, history errors, connection
// news) vanish as duplicates.
TEST_F(ChatModelTest, ANetworkIdCannotSuppressALocalNotice) {
    model.on_message("general", msg("local-1", "mallory", "spoof"));
    model.notice("general", "history: HTTP 500", kNow);
    EXPECT_EQ(notices_of(model.current()), (Strings{"history: HTTP 500"}));
}

}  // namespace
}  // namespace mqchat
