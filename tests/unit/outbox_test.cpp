// Outbox: durable before pending, crossed out on ack, resent in order after a
// lost connection, a dead run's journal taken over (same ids) while a live
// run's is left alone, compaction, and messages kept for their own target.
#include "app/outbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace mqchat::app {
namespace {

constexpr char kTarget[] = "broker mqtt://127.0.0.1:1883 user alice";

OutgoingMessage message(const std::string& id, const std::string& room = "general") {
    return {room, id, "{\"id\":\"" + id + "\",\"text\":\"hi\"}", 0};
}

std::vector<OutgoingMessage> batch_of(std::initializer_list<const char*> ids,
                                      const std::string& room = "general") {
    std::vector<OutgoingMessage> batch;
    for (const char* id : ids)
        batch.push_back(message(id, room));
    return batch;
}

bool any_room(const std::string&) {
    return true;
}

// Stands in for the broker connection: hands out tickets 1, 2, ... and
// remembers which id went out under which ticket.
struct Publisher {
    std::vector<std::pair<std::uint64_t, std::string>> sent;  // ticket, id
    bool connected = true;
    std::uint64_t next = 1;

    std::function<std::optional<std::uint64_t>(const OutgoingMessage&)> fn() {
        return [this](const OutgoingMessage& m) -> std::optional<std::uint64_t> {
            if (!connected) return std::nullopt;
            sent.emplace_back(next, m.id);
            return next++;
        };
    }
    std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (const auto& s : sent)
            out.push_back(s.second);
        return out;
    }
};

class OutboxTest : public ::testing::Test {
  protected:
    std::string dir() const { return scratch.file("outbox"); }

    std::vector<std::string> journals() const {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(dir(), ec))
            if (f.path().filename().string().rfind("journal-", 0) == 0)
                out.push_back(f.path().string());
        return out;
    }

    static std::string read(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    static std::size_t lines(const std::string& text) {
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    }

    fakes::TempDir scratch;
};

TEST_F(OutboxTest, MessageIsInTheJournalBeforeItIsPending) {
    Outbox outbox(dir(), kTarget);
    EXPECT_TRUE(journals().empty()) << "no journal until there is something to keep";
    ASSERT_EQ(outbox.add(batch_of({"m1"}), 100), "");
    const auto files = journals();
    ASSERT_EQ(files.size(), 1u);
    const std::string text = read(files[0]);
    EXPECT_NE(text.find("\"add\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"id\":\"m1\""), std::string::npos) << text;
    EXPECT_NE(text.find(kTarget), std::string::npos) << text;
    struct stat st {};
    ASSERT_EQ(::stat(files[0].c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(outbox.contains("m1"));
    EXPECT_EQ(outbox.size(), 1u);
    EXPECT_EQ(outbox.oldest_added_ms(), 100);
}

TEST_F(OutboxTest, AckRemovesTheMessageAndAnEmptyJournalGoesAtTheEnd) {
    Publisher broker;
    {
        Outbox outbox(dir(), kTarget);
        outbox.add(batch_of({"m1", "m2"}), 0);
        outbox.pump(broker.fn(), 10);
        ASSERT_EQ(broker.ids(), (std::vector<std::string>{"m1", "m2"}));
        EXPECT_EQ(outbox.in_flight(), 2u);
        const auto done = outbox.acknowledged(1);
        ASSERT_TRUE(done.has_value());
        EXPECT_EQ(done->id, "m1");
        EXPECT_FALSE(outbox.contains("m1"));
        EXPECT_EQ(outbox.in_flight(), 1u);
        EXPECT_FALSE(outbox.acknowledged(1).has_value()) << "only once";
        EXPECT_FALSE(outbox.acknowledged(99).has_value()) << "not ours";
        const std::string text = read(journals().at(0));
        EXPECT_NE(text.find("{\"done\":\"m1\"}"), std::string::npos) << text;
        ASSERT_TRUE(outbox.acknowledged(2).has_value());
        EXPECT_TRUE(outbox.empty());
    }
    EXPECT_TRUE(journals().empty());
}

TEST_F(OutboxTest, PumpKeepsToTheWindowAndTheOrder) {
    Outbox outbox(dir(), kTarget);
    Publisher broker;
    outbox.add(batch_of({"a", "b", "c", "d"}), 0);
    outbox.pump(broker.fn(), 2);
    EXPECT_EQ(broker.ids(), (std::vector<std::string>{"a", "b"}));
    outbox.acknowledged(1);
    outbox.pump(broker.fn(), 2);
    EXPECT_EQ(broker.ids(), (std::vector<std::string>{"a", "b", "c"}));
    broker.connected = false;
    outbox.acknowledged(2);
    outbox.pump(broker.fn(), 2);
    EXPECT_EQ(broker.sent.size(), 3u) << "nullopt: not now";
    EXPECT_EQ(outbox.next_to_send()->id, "d");
}

TEST_F(OutboxTest, LostConnectionResendsEverythingUnackedInOrderWithTheSameIds) {
    Outbox outbox(dir(), kTarget);
    Publisher broker;
    outbox.add(batch_of({"a", "b", "c"}), 0);
    outbox.pump(broker.fn(), 10);
    outbox.acknowledged(2);  // b
    outbox.connection_lost();
    EXPECT_EQ(outbox.in_flight(), 0u);
    EXPECT_FALSE(outbox.acknowledged(1).has_value()) << "an ack from the old connection";
    outbox.pump(broker.fn(), 10);
    EXPECT_EQ(broker.ids(), (std::vector<std::string>{"a", "b", "c", "a", "c"}));
}

TEST_F(OutboxTest, ReturnedMessageGoesBackInItsPlace) {
    Outbox outbox(dir(), kTarget);
    Publisher broker;
    outbox.add(batch_of({"a", "b"}), 0);
    outbox.pump(broker.fn(), 10);
    outbox.returned(1);
    EXPECT_EQ(outbox.in_flight(), 1u);
    EXPECT_EQ(outbox.next_to_send()->id, "a");
    outbox.pump(broker.fn(), 10);
    EXPECT_EQ(broker.ids(), (std::vector<std::string>{"a", "b", "a"}));
}

TEST_F(OutboxTest, RefusedMessageLeavesTheOutbox) {
    Outbox outbox(dir(), kTarget);
    Publisher broker;
    outbox.add(batch_of({"a"}), 0);
    outbox.pump(broker.fn(), 10);
    const auto refused = outbox.refused(1);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->id, "a");
    EXPECT_TRUE(outbox.empty());
}

TEST_F(OutboxTest, RestartAdoptsADeadRunsJournalAndResendsTheSameId) {
    {
        Outbox first(dir(), kTarget);
        Publisher broker;
        first.add(batch_of({"01HQDEADRUN0000000000000A"}), 0);
        first.pump(broker.fn(), 10);  // sent, never acknowledged: then the run ends
    }
    ASSERT_EQ(journals().size(), 1u) << "what is unacknowledged stays on disk";

    Outbox second(dir(), kTarget);
    second.add(batch_of({"later"}), 0);
    std::vector<std::string> problems;
    EXPECT_EQ(second.adopt(any_room, 5, problems), 1u);
    EXPECT_TRUE(problems.empty());
    Publisher broker;
    second.pump(broker.fn(), 10);
    ASSERT_EQ(broker.ids(), (std::vector<std::string>{"01HQDEADRUN0000000000000A", "later"}))
        << "the earlier run's message first, under its own id";
    EXPECT_EQ(second.next_to_send(), nullptr);
    EXPECT_EQ(journals().size(), 1u) << "the dead run's journal is gone: all of it is ours now";

    std::vector<std::string> again;
    Outbox third(dir(), kTarget);
    EXPECT_EQ(third.adopt(any_room, 5, again), 0u) << "the second run is alive and holds it";
}

// A refusal of an adopted message must not name a line of this run's input.
TEST_F(OutboxTest, AnAdoptedMessageForgetsTheLineOfItsRun) {
    {
        Outbox first(dir(), kTarget);
        auto batch = batch_of({"01HQDEADRUN0000000000000B"});
        batch[0].line = 22;
        first.add(std::move(batch), 0);
    }
    Outbox second(dir(), kTarget);
    std::vector<std::string> problems;
    ASSERT_EQ(second.adopt(any_room, 5, problems), 1u);
    Publisher broker;
    second.pump(broker.fn(), 10);
    const auto refused = second.refused(1);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->line, 0u);
    EXPECT_TRUE(refused->from_earlier_run);
}

TEST_F(OutboxTest, LiveRunsJournalIsNotAdopted) {
    auto live = std::make_unique<Outbox>(dir(), kTarget);
    live->add(batch_of({"mine"}), 0);

    Outbox other(dir(), kTarget);
    std::vector<std::string> problems;
    EXPECT_EQ(other.adopt(any_room, 0, problems), 0u);
    EXPECT_TRUE(problems.empty()) << problems.front();
    EXPECT_FALSE(other.contains("mine"));

    live.reset();  // the run ends with "mine" unacknowledged: now it may be taken
    EXPECT_EQ(other.adopt(any_room, 0, problems), 1u);
    EXPECT_TRUE(other.contains("mine"));
}

TEST_F(OutboxTest, OnlyItsOwnTargetAndWantedRoomsAreAdopted) {
    {
        Outbox first(dir(), kTarget);
        first.add(batch_of({"g1"}, "general"), 0);
        first.add(batch_of({"o1"}, "ops"), 0);
    }
    {
        Outbox elsewhere(dir(), "broker mqtt://10.0.0.9:1883 user alice");
        std::vector<std::string> problems;
        EXPECT_EQ(elsewhere.adopt(any_room, 0, problems), 0u) << "another broker's messages";
    }
    {
        Outbox general(dir(), kTarget);
        std::vector<std::string> problems;
        EXPECT_EQ(general.adopt([](const std::string& r) { return r == "general"; }, 0, problems),
                  1u);
        EXPECT_TRUE(general.contains("g1"));
        EXPECT_FALSE(general.contains("o1"));
        Publisher broker;
        general.pump(broker.fn(), 10);
        general.acknowledged(1);
    }
    Outbox ops(dir(), kTarget);
    std::vector<std::string> problems;
    EXPECT_EQ(ops.adopt(any_room, 0, problems), 1u) << "ops was left for a run that wants it";
    EXPECT_TRUE(ops.contains("o1"));
    EXPECT_FALSE(ops.contains("g1")) << "acknowledged by the run that took it";
}

TEST_F(OutboxTest, AdoptingTwiceTheSameIdKeepsOneCopy) {
    {
        Outbox first(dir(), kTarget);
        first.add(batch_of({"dup"}), 0);
    }
    Outbox second(dir(), kTarget);
    second.add(batch_of({"dup"}), 0);  // --id KEY run again
    std::vector<std::string> problems;
    EXPECT_EQ(second.adopt(any_room, 0, problems), 0u);
    EXPECT_EQ(second.size(), 1u);
}

TEST_F(OutboxTest, LineCutShortByACrashIsSkipped) {
    {
        Outbox first(dir(), kTarget);
        first.add(batch_of({"whole"}), 0);
    }
    {
        std::ofstream out(journals().at(0), std::ios::app);
        out << "{\"add\":{\"target\":\"" << kTarget << "\",\"room\":\"general\",\"id\":\"cut";
    }
    Outbox second(dir(), kTarget);
    std::vector<std::string> problems;
    EXPECT_EQ(second.adopt(any_room, 0, problems), 1u);
    EXPECT_TRUE(second.contains("whole"));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("unreadable"), std::string::npos) << problems[0];
}

TEST_F(OutboxTest, CompactionDropsFinishedMessagesFromTheJournal) {
    Outbox outbox(dir(), kTarget);
    std::vector<OutgoingMessage> batch;
    for (int i = 0; i < 2001; ++i)
        batch.push_back(message("m" + std::to_string(i)));
    outbox.add(std::move(batch), 0);
    Publisher broker;
    outbox.pump(broker.fn(), 5000);
    ASSERT_EQ(broker.sent.size(), 2001u);
    const auto path = journals().at(0);
    for (std::uint64_t ticket = 1; ticket < 2000; ++ticket)
        outbox.acknowledged(ticket);
    EXPECT_EQ(lines(read(path)), 2001u + 1999u) << "not yet worth a rewrite";
    outbox.acknowledged(2000);
    const std::string text = read(journals().at(0));
    EXPECT_EQ(lines(text), 1u) << "only the one still pending";
    EXPECT_NE(text.find("\"id\":\"m2000\""), std::string::npos);

    const auto last = outbox.acknowledged(2001);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->id, "m2000");
}

TEST_F(OutboxTest, WithdrawTakesAQueuedMessageOut) {
    Outbox outbox(dir(), kTarget);
    outbox.add(batch_of({"a", "b"}), 0);
    ASSERT_TRUE(outbox.withdraw("a").has_value());
    EXPECT_FALSE(outbox.withdraw("a").has_value());
    EXPECT_EQ(outbox.next_to_send()->id, "b");
}

}  // namespace
}  // namespace mqchat::app
