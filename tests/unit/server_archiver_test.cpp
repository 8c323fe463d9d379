// The archiver without a broker: batches stored in one transaction and
// acknowledged only after the commit; a held lock, a full database and a
// backlog close the archive with the reason, and a commit opens it again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/sqlite_lock.hpp"
#include "server/archiver.hpp"
#include "server_scratch.hpp"

namespace {

using namespace mqchat::server;
using testsupport::SqliteWriteLock;

constexpr const char* kTopic = "chat/general/messages";

std::string payload(const std::string& id, const std::string& text = "hi") {
    return nlohmann::json{
        {"id", id}, {"user", "alice"}, {"name", "Alice"}, {"text", text}, {"timestamp", 1}}
        .dump();
}

class ServerArchiverBatch : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = Store::open(dir_.file("db"));
        store_->set_busy_timeout(1);
        reader_ = Store::open(dir_.file("db"));
    }
    Delivery delivery(std::uint16_t packet_id, const std::string& body,
                      std::uint64_t connection = 1) {
        return {connection, packet_id, kTopic, body, 1000};
    }

    servertest::ScratchDir dir_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<Store> reader_;
    ArchiveStatus status_;
};

TEST_F(ServerArchiverBatch, AcknowledgesAfterTheCommitOnly) {
    Archiver archiver(*store_, status_);
    archiver.add(delivery(7, payload("m1")));
    archiver.add(delivery(8, payload("m2")));
    archiver.add(delivery(0, payload("m3")));         // QoS 0: nothing to acknowledge
    EXPECT_EQ(reader_->message_count("general"), 0);  // nothing stored before the flush
    EXPECT_EQ(status_.received(), 3U);
    EXPECT_EQ(status_.settled(), 0U);
    EXPECT_EQ(archiver.flush(0, 1), (std::vector<std::uint16_t>{7, 8}));
    EXPECT_EQ(reader_->message_count("general"), 3);
    EXPECT_EQ(status_.settled(), 3U);
    EXPECT_TRUE(archiver.flush(0, 1).empty());
    EXPECT_EQ(archiver.waiting(), 0U);
}

TEST_F(ServerArchiverBatch, RedeliveriesAreStoredOnceAndAcknowledgedAgain) {
    Archiver archiver(*store_, status_);
    archiver.add(delivery(7, payload("m1")));
    archiver.flush(0, 1);
    archiver.add(delivery(3, payload("m1"), 2));  // after a crash: delivered again, DUP
    EXPECT_EQ(archiver.flush(0, 2), std::vector<std::uint16_t>{3});
    EXPECT_EQ(reader_->message_count("general"), 1);
}

TEST_F(ServerArchiverBatch, OnlyTheCurrentConnectionsDeliveriesAreAcknowledged) {
    Archiver archiver(*store_, status_);
    archiver.add(delivery(7, payload("m1"), 1));  // its connection was lost before the commit
    archiver.add(delivery(7, payload("m2"), 2));
    EXPECT_EQ(archiver.flush(0, 2), std::vector<std::uint16_t>{7});
    EXPECT_EQ(reader_->message_count("general"), 2);  // stored all the same
}

TEST_F(ServerArchiverBatch, UnreadablePayloadsAreAcknowledgedWithoutARow) {
    Archiver archiver(*store_, status_);
    archiver.add(delivery(1, "\xff\xfe not utf-8"));
    archiver.add({1, 2, "not/a/chat/topic", payload("m1"), 1000});
    EXPECT_EQ(archiver.flush(0, 1), (std::vector<std::uint16_t>{1, 2}));
    EXPECT_EQ(reader_->message_count("general"), 0);
}

TEST_F(ServerArchiverBatch, AShortLockWaitsWithTheArchiveOpen) {
    Archiver archiver(*store_, status_, {.busy_retry_ms = 100, .busy_close_ms = 1000});
    SqliteWriteLock lock(dir_.file("db"));
    archiver.add(delivery(1, payload("m1")));
    EXPECT_TRUE(archiver.flush(0, 1).empty());
    EXPECT_TRUE(archiver.open());
    EXPECT_EQ(archiver.wait_hint_ms(0), 100);
    EXPECT_TRUE(archiver.flush(50, 1).empty());  // not yet time: no attempt
    EXPECT_TRUE(archiver.flush(999, 1).empty());
    EXPECT_TRUE(archiver.open());
    EXPECT_FALSE(archiver.take_change());
    lock.release();
    EXPECT_EQ(archiver.flush(1100, 1), std::vector<std::uint16_t>{1});
    EXPECT_TRUE(archiver.open());
}

TEST_F(ServerArchiverBatch, ALockHeldTooLongClosesTheArchiveUntilACommit) {
    Archiver archiver(*store_, status_, {.busy_retry_ms = 100, .busy_close_ms = 1000});
    SqliteWriteLock lock(dir_.file("db"));
    archiver.add(delivery(1, payload("m1")));
    archiver.flush(0, 1);
    archiver.flush(1000, 1);
    EXPECT_FALSE(archiver.open());
    EXPECT_EQ(status_.closed_reason(), "the database is locked by another process");
    const auto closed = archiver.take_change();
    ASSERT_TRUE(closed);
    EXPECT_FALSE(closed->open);
    EXPECT_EQ(closed->reason, "the database is locked by another process");
    EXPECT_FALSE(archiver.take_change());  // one change, one report
    archiver.add(delivery(2, payload("m2")));
    archiver.flush(1050, 1);
    EXPECT_FALSE(archiver.take_change());
    lock.release();
    EXPECT_EQ(archiver.flush(1100, 1), (std::vector<std::uint16_t>{1, 2}));
    EXPECT_TRUE(archiver.open());
    EXPECT_FALSE(status_.closed_reason());
    const auto opened = archiver.take_change();
    ASSERT_TRUE(opened);
    EXPECT_TRUE(opened->open);
}

TEST_F(ServerArchiverBatch, AFullDatabaseClosesTheArchiveAndKeepsEveryMessage) {
    Archiver archiver(*store_, status_, {.retry_ms = 1000});
    store_->set_max_pages(1);
    for (std::uint16_t i = 1; i <= 20; ++i)
        archiver.add(delivery(i, payload("m" + std::to_string(i), std::string(3000, 'x'))));
    EXPECT_TRUE(archiver.flush(0, 1).empty());
    EXPECT_EQ(status_.closed_reason(), "no space left on device");
    EXPECT_EQ(archiver.wait_hint_ms(0), 1000);
    EXPECT_TRUE(archiver.flush(999, 1).empty());  // retried every second, not at once
    EXPECT_EQ(archiver.waiting(), 20U);
    EXPECT_EQ(reader_->message_count("general"), 0);
    store_->set_max_pages(1'000'000);  // space again
    EXPECT_EQ(archiver.flush(1000, 1).size(), 20U);
    EXPECT_EQ(reader_->message_count("general"), 20);
    EXPECT_TRUE(archiver.open());
}

TEST_F(ServerArchiverBatch, HalfTheReceiveMaximumWaitingClosesTheArchive) {
    Archiver archiver(*store_, status_, {.receive_maximum = 8, .busy_close_ms = 60000});
    SqliteWriteLock lock(dir_.file("db"));
    for (std::uint16_t i = 1; i <= 3; ++i) {
        archiver.add(delivery(i, payload("m" + std::to_string(i))));
        archiver.flush(i * 1000, 1);
    }
    EXPECT_TRUE(archiver.open());
    archiver.add(delivery(4, payload("m4")));
    EXPECT_TRUE(archiver.open());  // judged after the next attempt, which may store them all
    archiver.flush(3050, 1);       // not time to retry yet: still judged
    EXPECT_FALSE(archiver.open());
    EXPECT_EQ(status_.closed_reason(),
              "the database is too slow: the archiver's backlog is half full");
    lock.release();
    EXPECT_EQ(archiver.flush(10000, 1).size(), 4U);
    EXPECT_TRUE(archiver.open());
}

TEST_F(ServerArchiverBatch, ABurstStoredByOneCommitNeverClosesTheArchive) {
    Archiver archiver(*store_, status_, {.receive_maximum = 8});
    for (std::uint16_t i = 1; i <= 8; ++i)
        archiver.add(delivery(i, payload("m" + std::to_string(i))));
    EXPECT_EQ(archiver.flush(0, 1).size(), 8U);
    EXPECT_TRUE(archiver.open());
    EXPECT_FALSE(archiver.take_change());
}

TEST_F(ServerArchiverBatch, ArchivePayloadStoresEveryMessageOfAnArray) {
    const auto r = archive_payload(
        *store_, kTopic, "[" + payload("a1") + "," + payload("a2") + "," + payload("a1") + "]", 1);
    EXPECT_EQ(r.stored, 2U);
    EXPECT_EQ(r.duplicates, 1U);
}

TEST(ServerArchiveStatus, WaitsForWhatWasReceived) {
    ArchiveStatus status;
    const auto soon = std::chrono::steady_clock::now();
    EXPECT_TRUE(status.wait_settled(0, soon));
    status.note_received(2);
    EXPECT_FALSE(status.wait_settled(2, soon));  // the deadline has passed
    status.note_settled(2);
    EXPECT_TRUE(status.wait_settled(2, soon));
}

}  // namespace
