// RoomSync: history and live joined with no gap and no repeat, on joining, after
// reconnects, with an archive that lags behind the broker, and when history fails.
#include "core/room_sync.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

namespace mqchat {
namespace {

using Ids = std::vector<std::string>;

Message msg(const std::string& id) {
    Message m;
    m.id = id;
    m.user = "bob";
    m.text = "text of " + id;
    return m;
}

std::vector<Message> page(std::initializer_list<const char*> ids) {
    std::vector<Message> out;
    for (const char* id : ids)
        out.push_back(msg(id));
    return out;
}

RoomSyncSettings settings(int initial_lines = 3) {
    RoomSyncSettings s;
    s.initial_lines = initial_lines;
    s.page = 4;
    s.first_retry_ms = 100;
    s.max_retry_ms = 400;
    s.confirm_ms = 1000;
    s.give_up_ms = 5000;
    return s;
}

// Drives one RoomSync and collects what it shows, like a reader would.
class Reader {
  public:
    explicit Reader(RoomSyncSettings s = settings()) : sync(s) {}

    void apply(SyncStep step) {
        for (auto& m : step.initial)
            shown.push_back(m.id);
        for (auto& m : step.messages)
            shown.push_back(m.id);
        for (auto& r : step.fetch)
            requests.push_back(r);
        for (auto& n : step.notices)
            notices.push_back(n);
        if (step.initial_ready) initial_ready = true;
        if (step.initial_complete) initial_complete = true;
    }
    void begin() { apply(sync.begin(now)); }
    void subscribed() { apply(sync.on_subscribed(now)); }
    void live(const char* id) { apply(sync.on_live(msg(id), now)); }
    // Answers the oldest unanswered request.
    void answer(std::vector<Message> p) {
        ASSERT_FALSE(requests.empty());
        const HistoryRequest r = requests.front();
        requests.erase(requests.begin());
        apply(sync.on_history(r.id, std::move(p), now));
    }
    void fail(HistoryFailure why = HistoryFailure::other) {
        ASSERT_FALSE(requests.empty());
        const HistoryRequest r = requests.front();
        requests.erase(requests.begin());
        apply(sync.on_history_failed(r.id, why, "HTTP 503", now));
    }
    void advance(std::int64_t ms) {
        now += ms;
        apply(sync.on_tick(now));
    }
    const HistoryRequest& next() const { return requests.front(); }

    RoomSync sync;
    std::int64_t now = 1000;
    Ids shown;
    std::vector<HistoryRequest> requests;
    std::vector<std::string> notices;
    bool initial_ready = false;
    bool initial_complete = false;
};

TEST(RoomSync, WithoutHistoryLiveMessagesShowAtOnceAndOnce) {
    RoomSyncSettings s = settings();
    s.has_history = false;
    Reader r(s);
    r.live("a");  // before the SUBACK was seen: held until it is
    EXPECT_TRUE(r.shown.empty());
    r.subscribed();
    EXPECT_TRUE(r.requests.empty());
    r.live("b");
    r.live("a");
    r.live("b");
    EXPECT_EQ(r.shown, (Ids{"a", "b"}));
    EXPECT_TRUE(r.initial_ready);
}

TEST(RoomSync, JoiningShowsTheNewestHistoryThenLive) {
    Reader r;
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().limit, 3);
    EXPECT_EQ(r.next().after, "");
    r.live("d");  // arrives while the page is on its way: held back
    EXPECT_TRUE(r.shown.empty());
    r.answer(page({"b", "c", "d"}));
    EXPECT_EQ(r.shown, (Ids{"b", "c", "d"}));  // d once, from history
    EXPECT_TRUE(r.initial_ready);
    EXPECT_FALSE(r.initial_complete);  // a full page: there may be older ones
    EXPECT_TRUE(r.requests.empty());
    r.live("e");
    EXPECT_EQ(r.shown, (Ids{"b", "c", "d", "e"}));
}

// The first screen waits for neither the broker nor the SUBACK: history is
// shown as soon as it comes, and the SUBACK then fills what was archived
// meanwhile before any live message is shown.
TEST(RoomSync, HistoryAskedBeforeTheSubackIsShownAndTheSubackCatchesUp) {
    Reader r;
    r.begin();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().limit, 3);
    r.answer(page({"a", "b", "c"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    EXPECT_TRUE(r.initial_ready);
    EXPECT_TRUE(r.requests.empty());  // nothing more until the subscription
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "c");
    r.live("f");  // held: history must reach it first
    r.answer(page({"d", "e", "f"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f"}));
    r.live("g");
    EXPECT_EQ(r.shown.back(), "g");
    EXPECT_EQ(r.shown.size(), 7U);
}

// The SUBACK may beat the first page: live messages wait, and the page's
// answer goes on straight to the catch-up after it.
TEST(RoomSync, ASubackBeforeTheEarlyPageCatchesUpWhenThePageComes) {
    Reader r;
    r.begin();
    r.subscribed();
    EXPECT_EQ(r.requests.size(), 1U);  // still only the first page
    r.live("e");
    EXPECT_TRUE(r.shown.empty());
    r.answer(page({"a", "b", "c"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "c");
    r.answer(page({"d", "e"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e"}));
    r.live("e");
    r.live("f");
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f"}));
}

// An empty room when history was asked: everything the catch-up finds is new.
TEST(RoomSync, AnEmptyEarlyPageCatchesUpFromTheNewestPage) {
    Reader r;
    r.begin();
    r.answer({});
    EXPECT_TRUE(r.initial_ready);
    EXPECT_TRUE(r.initial_complete);
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "");
    r.answer(page({"x"}));
    EXPECT_EQ(r.shown, (Ids{"x"}));
}

// Without a server there is no history to ask for early.
TEST(RoomSync, BeginWithoutHistoryAsksForNothing) {
    RoomSyncSettings s = settings();
    s.has_history = false;
    Reader r(s);
    r.begin();
    EXPECT_TRUE(r.requests.empty());
    r.subscribed();
    r.live("a");
    EXPECT_EQ(r.shown, (Ids{"a"}));
}

TEST(RoomSync, ShortInitialPageMeansTheRoomHasNothingOlder) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    EXPECT_TRUE(r.initial_complete);
    EXPECT_EQ(r.shown, (Ids{"a"}));
}

TEST(RoomSync, ArchiveBehindTheBrokerIsAskedAgainUntilItHasTheFirstLiveMessage) {
    Reader r;
    r.subscribed();
    r.live("e");                      // routed after the SUBACK
    r.answer(page({"a", "b", "c"}));  // the archive has not stored d and e yet
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    EXPECT_TRUE(r.requests.empty());
    r.advance(100);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "c");
    r.answer(page({"d"}));  // still not e
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d"}));
    r.advance(150);
    EXPECT_TRUE(r.requests.empty());  // backoff doubled: 200 ms
    r.advance(50);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "d");
    r.answer(page({"e"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e"}));
    r.live("f");
    EXPECT_EQ(r.shown.back(), "f");
}

TEST(RoomSync, NoHistoryLinesStillFetchesOneMessageAsTheAnchor) {
    Reader r(settings(0));
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().limit, 1);
    r.answer(page({"z"}));
    EXPECT_TRUE(r.shown.empty());
    EXPECT_TRUE(r.initial_ready);
    r.live("y");  // the quiet-room confirmation: held, history asked after z
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "z");
    r.answer(page({"y"}));
    EXPECT_EQ(r.shown, (Ids{"y"}));
}

TEST(RoomSync, LongHistoryIsLoadedBackwardsPageByPage) {
    Reader r(settings(10));
    r.subscribed();
    EXPECT_EQ(r.next().limit, 4);
    r.answer(page({"g", "h", "i", "j"}));
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().before, "g");
    EXPECT_EQ(r.next().limit, 4);
    r.answer(page({"c", "d", "e", "f"}));
    EXPECT_EQ(r.next().before, "c");
    EXPECT_EQ(r.next().limit, 2);
    r.answer(page({"a", "b"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}));
}

TEST(RoomSync, AfterAReconnectTheGapIsFilledBeforeHeldLiveMessages) {
    Reader r;
    r.subscribed();
    r.answer(page({"a", "b"}));
    r.advance(2000);  // the quiet confirmation
    r.answer({});
    r.live("c");
    ASSERT_EQ(r.shown, (Ids{"a", "b", "c"}));
    r.subscribed();  // after a reconnect
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "c");
    r.live("h");
    r.live("i");
    r.answer(page({"d", "e", "f", "g"}));  // full: more to come
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f", "g"}));
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "g");
    r.answer(page({"h", "i"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f", "g", "h", "i"}));
    r.live("i");
    r.live("j");
    EXPECT_EQ(r.shown.back(), "j");
    EXPECT_EQ(r.shown.size(), 10U);
}

TEST(RoomSync, AQuietRoomConfirmsOnceWithTheNextLiveMessage) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.live("c");  // within the confirmation window: held, history asked again
    EXPECT_EQ(r.shown, (Ids{"a"}));
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "a");
    r.answer(page({"b", "c"}));  // b was still on its way to the archive before
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    r.live("d");  // confirmed: live from now on
    EXPECT_TRUE(r.requests.empty());
    EXPECT_EQ(r.shown.back(), "d");
}

TEST(RoomSync, AQuietRoomConfirmsOnceAfterAWhileAndThenStops) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.advance(999);
    EXPECT_TRUE(r.requests.empty());
    r.advance(1);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "a");
    r.answer(page({"b"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b"}));
    r.advance(10000);
    EXPECT_TRUE(r.requests.empty());
    EXPECT_FALSE(r.sync.next_deadline().has_value());
    r.live("c");
    EXPECT_EQ(r.shown.back(), "c");
    EXPECT_TRUE(r.requests.empty());
}

TEST(RoomSync, AnAnchorTheServerDoesNotKnowFallsBackToTheNewestPage) {
    Reader r;
    r.subscribed();
    r.answer(page({"a", "b"}));
    r.advance(2000);
    r.answer({});
    r.live("x");  // shown live, never archived (a broker without our archiver)
    r.subscribed();
    EXPECT_EQ(r.next().after, "x");
    r.fail(HistoryFailure::unknown_cursor);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "");
    r.answer(page({"a", "b", "c", "d"}));  // b is the newest we know: c, d are new
    EXPECT_EQ(r.shown, (Ids{"a", "b", "x", "c", "d"}));
}

TEST(RoomSync, FailingHistoryIsRetriedThenGivenUpWithANotice) {
    Reader r;
    r.subscribed();
    r.live("q");
    r.fail();
    EXPECT_TRUE(r.requests.empty());
    r.advance(100);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().limit, 3);  // the initial page again
    r.fail();
    r.advance(5000);  // past give_up_ms: held messages are shown after all
    EXPECT_EQ(r.shown, (Ids{"q"}));
    ASSERT_EQ(r.notices.size(), 1U);
    EXPECT_TRUE(r.initial_ready);
    r.live("r");
    EXPECT_EQ(r.shown, (Ids{"q", "r"}));
}

TEST(RoomSync, AReconnectWhileCatchingUpMakesTheNewFirstLiveMessageTheBarrier) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.advance(2000);
    r.answer({});
    r.subscribed();
    r.live("c");     // of the first reconnect
    r.subscribed();  // dropped again before history answered
    r.live("f");
    r.answer(page({"b", "c"}));  // the old request's answer: not yet f
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    r.advance(100);
    r.answer(page({"d", "e", "f"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "f"}));
}

// A live message held while joining, then a reconnect: it stops being a
// barrier, but one the archive never got (the broker died between routing it
// to us and to the archiver) is still shown, once, when the catch-up ends.
TEST(RoomSync, AMessageHeldBeforeAReconnectThatHistoryLacksIsStillShownOnce) {
    Reader r;
    r.subscribed();
    r.live("x");  // held: the initial page has not answered yet
    r.subscribed();
    r.answer(page({"a", "b"}));
    r.live("d");
    r.advance(100);
    while (!r.requests.empty() && std::find(r.shown.begin(), r.shown.end(), "d") == r.shown.end())
        r.answer(page({"c", "d"}));
    EXPECT_EQ(std::count(r.shown.begin(), r.shown.end(), "x"), 1)
        << testing::PrintToString(r.shown);
    EXPECT_EQ(std::count(r.shown.begin(), r.shown.end(), "d"), 1)
        << testing::PrintToString(r.shown);
    EXPECT_EQ(std::count(r.shown.begin(), r.shown.end(), "c"), 1)
        << testing::PrintToString(r.shown);
}

// The room was empty on joining: after a reconnect everything in it is new,
// also what others posted before our own first message.
TEST(RoomSync, ARoomEmptyOnJoiningShowsAllItGotWhileWeWereAway) {
    Reader r;
    r.subscribed();
    r.answer({});
    r.advance(2000);
    r.answer({});
    r.sync.mark_seen("mine");  // typed after the reconnect, before the gap fill
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "");
    r.answer(page({"p1", "p2", "mine"}));
    EXPECT_EQ(r.shown, (Ids{"p1", "p2"}));
}

TEST(RoomSync, OwnMessagesMarkedSeenAreNotShownAgain) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.advance(2000);
    r.answer({});
    r.sync.mark_seen("mine");
    r.live("mine");
    r.live("b");
    EXPECT_EQ(r.shown, (Ids{"a", "b"}));
}

TEST(RoomSync, StaleAnswersAreIgnored) {
    Reader r;
    r.subscribed();
    const auto first = r.next().id;
    r.answer(page({"a"}));
    const SyncStep again = r.sync.on_history(first, page({"zz"}), r.now);
    EXPECT_TRUE(again.empty());
    EXPECT_EQ(r.shown, (Ids{"a"}));
}

TEST(RoomSync, HeldMessagesAreBounded) {
    RoomSyncSettings s = settings();
    s.max_held = 3;
    Reader r(s);
    r.subscribed();
    for (const char* id : {"a", "b", "c"})
        r.live(id);
    EXPECT_TRUE(r.shown.empty());
    r.live("d");
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d"}));
    EXPECT_EQ(r.notices.size(), 1U);
}

// Joined, confirmed, and live with `ids` shown after the initial "a".
Reader live_with(std::initializer_list<const char*> ids) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.advance(2000);
    r.answer({});
    for (const char* id : ids)
        r.live(id);
    return r;
}

// A broker killed while the room was confirming a quiet catch-up: the
// resubscription's own catch-up ends quiet too, and must confirm again, or
// what was routed between its history answer and the first live message is
// skipped.
TEST(RoomSync, AReconnectDuringAConfirmationConfirmsAgain) {
    Reader r;
    r.subscribed();
    r.answer(page({"a"}));
    r.live("c");  // confirmation: held, history asked after a
    ASSERT_EQ(r.requests.size(), 1U);
    r.subscribed();  // the broker died; c is dropped from what is held
    r.answer(page({"b", "c"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"}));
    EXPECT_TRUE(r.requests.empty());
    r.live("e");  // d was routed before the new subscription
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c"})) << "e waits for history";
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "c");
    r.answer(page({"d", "e"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e"}));
}

// The newest message shown never reached the archive (the broker died
// between routing it to us and to the archiver): the gap fill starts after an
// older message shown, not at the newest page, which may begin past the gap.
TEST(RoomSync, AnAnchorTheArchiveLacksStepsBackToAnOlderShownMessage) {
    Reader r = live_with({"b", "c", "d", "e", "x"});
    r.subscribed();
    r.live("k");
    EXPECT_EQ(r.next().after, "x");
    r.fail(HistoryFailure::unknown_cursor);
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "b") << "a page (4) of shown ids before x";
    r.answer(page({"c", "d", "e", "f"}));  // full: f is new, more may follow
    EXPECT_EQ(r.next().after, "f");
    r.answer(page({"g", "h", "i", "j"}));
    r.answer(page({"k"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "e", "x", "f", "g", "h", "i", "j", "k"}));
    EXPECT_TRUE(r.notices.empty());
    EXPECT_FALSE(r.sync.catching_up());
}

TEST(RoomSync, StepsBackFurtherEachTimeThenTakesTheNewestPage) {
    Reader r = live_with({"b", "c", "d", "e", "f", "g", "h", "x"});
    r.subscribed();
    r.fail(HistoryFailure::unknown_cursor);
    EXPECT_EQ(r.next().after, "e");
    r.fail(HistoryFailure::unknown_cursor);  // 16 back: more than remembered
    EXPECT_EQ(r.next().after, "");
    r.answer(page({"g", "h", "i"}));
    EXPECT_EQ(r.shown.back(), "i");
}

// A held message the archive never stores (taken by a broker while the
// archiver was away) must not keep the room waiting: history reaching any
// later held message is enough.
TEST(RoomSync, HistoryReachingAnyHeldMessageEndsTheCatchUp) {
    Reader r = live_with({"b"});
    r.subscribed();
    r.live("lost-to-the-archive");
    r.live("d");
    r.answer(page({"c", "d"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "c", "d", "lost-to-the-archive"}));
    EXPECT_FALSE(r.sync.catching_up());
    r.live("e");
    EXPECT_EQ(r.shown.back(), "e");
    EXPECT_TRUE(r.notices.empty());
}

// A long gap under load takes longer than give_up_ms to fill; as long as
// every page brings something new, the room keeps catching up.
TEST(RoomSync, ACatchUpThatMakesProgressIsNotGivenUp) {
    Reader r = live_with({"b"});
    r.subscribed();
    r.live("z");
    const char* pages[][4] = {{"c", "d", "e", "f"}, {"g", "h", "i", "j"}, {"k", "l", "m", "n"}};
    for (const auto& p : pages) {
        r.advance(3000);  // a slow server: 9 s in all, give_up_ms is 5 s
        r.answer(page({p[0], p[1], p[2], p[3]}));
    }
    EXPECT_TRUE(r.notices.empty());
    EXPECT_TRUE(r.sync.catching_up());
    r.answer(page({"z"}));
    EXPECT_FALSE(r.sync.catching_up());
    EXPECT_EQ(r.shown.back(), "z");
    EXPECT_EQ(r.shown.size(), 15U);
}

// History that fails past give_up_ms lets live messages through; the next
// catch-up (here after a reconnect) starts where history stopped, so the
// messages in between are shown late instead of never.
TEST(RoomSync, AGapGivenUpOnIsFilledByTheNextCatchUp) {
    Reader r = live_with({"b"});
    r.subscribed();
    r.live("z");
    r.fail();
    r.advance(5000);
    EXPECT_EQ(r.shown.back(), "z");
    ASSERT_EQ(r.notices.size(), 1U);
    r.subscribed();
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "b") << "where history stopped, not z";
    r.answer(page({"c", "z"}));
    EXPECT_EQ(r.shown, (Ids{"a", "b", "z", "c"}));
    r.subscribed();
    EXPECT_EQ(r.next().after, "z") << "filled: after the archive's newest again";
}

// Without a reconnect the refill comes by itself, once: a history that fails
// again does not hold live messages back a third time.
TEST(RoomSync, AGapGivenUpOnIsAskedForOnceMoreALittleLater) {
    Reader r = live_with({"b"});
    r.subscribed();
    r.live("z");
    r.fail();
    r.advance(5000);
    ASSERT_EQ(r.notices.size(), 1U);
    EXPECT_TRUE(r.requests.empty());
    r.advance(1000);  // confirm_ms
    ASSERT_EQ(r.requests.size(), 1U);
    EXPECT_EQ(r.next().after, "b");
    r.live("y");
    r.fail();
    r.advance(5000);
    EXPECT_EQ(r.notices.size(), 2U);
    EXPECT_EQ(r.shown.back(), "y");
    r.advance(10000);
    EXPECT_TRUE(r.requests.empty()) << "no third try";
}

TEST(RoomSync, TooManyHeldMessagesAreShownAndTheGapFollowsThem) {
    RoomSyncSettings s = settings();
    s.max_held = 2;
    Reader r(s);
    r.subscribed();
    r.answer(page({"a"}));
    r.advance(2000);
    r.answer({});
    r.subscribed();
    r.live("x");
    r.live("y");
    r.live("z");  // over max_held: x, y, z shown
    EXPECT_EQ(r.shown, (Ids{"a", "x", "y", "z"}));
    ASSERT_EQ(r.notices.size(), 1U);
    r.requests.clear();  // the catch-up's request, superseded: its answer is ignored
    r.advance(1000);
    EXPECT_EQ(r.next().after, "a") << "the gap after a is asked for again";
    r.answer(page({"m", "x", "y", "z"}));
    r.answer({});
    EXPECT_EQ(r.shown, (Ids{"a", "x", "y", "z", "m"}));
}

}  // namespace
}  // namespace mqchat
