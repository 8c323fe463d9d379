// One room's scrollback: de-duplication by id, the capacity bound, history
// pages placed before what is shown, and the history cursors.
#include "core/room_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mqchat {
namespace {

LogEntry entry(const std::string& id, MessageKind kind = MessageKind::text) {
    LogEntry e;
    e.message.id = id;
    e.message.user = "bob";
    e.message.text = "text of " + id;
    e.message.kind = kind;
    return e;
}

std::vector<LogEntry> entries(std::initializer_list<const char*> ids) {
    std::vector<LogEntry> out;
    for (const char* id : ids)
        out.push_back(entry(id));
    return out;
}

std::vector<std::string> ids_of(const RoomLog& log) {
    std::vector<std::string> out;
    for (const auto& e : log.entries())
        out.push_back(e.message.id);
    return out;
}

using Ids = std::vector<std::string>;

TEST(RoomLog, StartsEmpty) {
    RoomLog log;
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(log.size(), 0U);
    EXPECT_EQ(log.oldest_id(), "");
    EXPECT_EQ(log.newest_id(), "");
    EXPECT_FALSE(log.trimmed());
    EXPECT_EQ(log.find("a"), nullptr);
}

TEST(RoomLog, AppendKeepsOrderAndSkipsKnownIds) {
    RoomLog log;
    EXPECT_TRUE(log.append(entry("a")));
    EXPECT_TRUE(log.append(entry("b")));
    LogEntry again = entry("a");
    again.message.text = "a redelivery with other text";
    EXPECT_FALSE(log.append(again));
    EXPECT_EQ(ids_of(log), (Ids{"a", "b"}));
    EXPECT_EQ(log.entries().front().message.text, "text of a");  // the first one stays
    EXPECT_TRUE(log.contains("a"));
    EXPECT_FALSE(log.contains("c"));
}

TEST(RoomLog, CapacityDropsTheOldest) {
    RoomLog log(3);
    for (const char* id : {"a", "b", "c"})
        EXPECT_TRUE(log.append(entry(id)));
    EXPECT_FALSE(log.trimmed());
    EXPECT_TRUE(log.append(entry("d")));
    EXPECT_EQ(ids_of(log), (Ids{"b", "c", "d"}));
    EXPECT_TRUE(log.trimmed());
    EXPECT_FALSE(log.contains("a"));
    EXPECT_EQ(log.find("a"), nullptr);
    EXPECT_EQ(log.oldest_id(), "b");
}

TEST(RoomLog, ZeroCapacityKeepsOne) {
    RoomLog log(0);
    log.append(entry("a"));
    log.append(entry("b"));
    EXPECT_EQ(ids_of(log), (Ids{"b"}));
}

TEST(RoomLog, PrependPlacesAPageBeforeEverythingInOrder) {
    RoomLog log;
    log.append(entry("c"));
    log.append(entry("d"));
    EXPECT_EQ(log.prepend(entries({"a", "b"})), 2U);
    EXPECT_EQ(ids_of(log), (Ids{"a", "b", "c", "d"}));
    EXPECT_EQ(log.prepend({}), 0U);
    EXPECT_FALSE(log.trimmed());
}

TEST(RoomLog, PrependSkipsIdsAlreadyShown) {
    RoomLog log;
    log.append(entry("c"));
    log.append(entry("d"));
    // A history page overlapping a live message that arrived first.
    EXPECT_EQ(log.prepend(entries({"b", "c"})), 1U);
    EXPECT_EQ(ids_of(log), (Ids{"b", "c", "d"}));
    EXPECT_EQ(log.entries()[1].message.text, "text of c");
}

TEST(RoomLog, PrependSkipsIdsRepeatedWithinThePage) {
    RoomLog log;
    log.append(entry("z"));
    EXPECT_EQ(log.prepend(entries({"a", "b", "a", "c"})), 3U);
    EXPECT_EQ(ids_of(log), (Ids{"a", "b", "c", "z"}));
    EXPECT_FALSE(log.append(entry("a")));  // known for later de-duplication too
}

// A repeated id is not a message: it must not count against the capacity
// (trimmed() stops fetching older history for good).
TEST(RoomLog, PrependRepeatsDoNotTrimAtCapacity) {
    RoomLog log(4);
    log.append(entry("z"));
    EXPECT_EQ(log.prepend(entries({"a", "b", "a", "c"})), 3U);
    EXPECT_EQ(ids_of(log), (Ids{"a", "b", "c", "z"}));
    EXPECT_FALSE(log.trimmed());
}

TEST(RoomLog, PrependIntoAnEmptyLog) {
    RoomLog log;
    EXPECT_EQ(log.prepend(entries({"a", "b", "c"})), 3U);
    EXPECT_EQ(ids_of(log), (Ids{"a", "b", "c"}));
    EXPECT_EQ(log.oldest_id(), "a");
    EXPECT_EQ(log.newest_id(), "c");
}

TEST(RoomLog, PrependBeyondCapacityKeepsTheNewestOfTheOlder) {
    RoomLog log(4);
    log.append(entry("e"));
    log.append(entry("f"));
    EXPECT_EQ(log.prepend(entries({"a", "b", "c", "d"})), 2U);
    EXPECT_EQ(ids_of(log), (Ids{"c", "d", "e", "f"}));
    EXPECT_TRUE(log.trimmed());  // "a" and "b" exist but are not shown
    EXPECT_FALSE(log.contains("a"));
    // Full: a further page adds nothing.
    EXPECT_EQ(log.prepend(entries({"x", "y"})), 0U);
    EXPECT_EQ(ids_of(log), (Ids{"c", "d", "e", "f"}));
}

TEST(RoomLog, OldestAndNewestIdSkipNotices) {
    RoomLog log;
    log.append(entry("local-1", MessageKind::notice));
    log.append(entry("a"));
    log.append(entry("b", MessageKind::me));
    log.append(entry("local-2", MessageKind::notice));
    EXPECT_EQ(log.oldest_id(), "a");
    EXPECT_EQ(log.newest_id(), "b");

    RoomLog only_notices;
    only_notices.append(entry("local-1", MessageKind::notice));
    EXPECT_EQ(only_notices.oldest_id(), "");
    EXPECT_EQ(only_notices.newest_id(), "");
}

TEST(RoomLog, FindGivesTheEntryToUpdate) {
    RoomLog log;
    LogEntry mine = entry("m1");
    mine.mine = true;
    mine.delivery = Delivery::pending;
    log.append(entry("a"));
    log.append(mine);
    log.append(entry("b"));
    LogEntry* found = log.find("m1");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->message.id, "m1");
    EXPECT_TRUE(found->mine);
    found->delivery = Delivery::sent;
    EXPECT_EQ(log.entries()[1].delivery, Delivery::sent);
    EXPECT_EQ(log.find("nope"), nullptr);
}

}  // namespace
}  // namespace mqchat
