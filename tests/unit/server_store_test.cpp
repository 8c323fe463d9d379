// mqchatd's SQLite store: migrations, users, sessions and history paging.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "server/schema.hpp"
#include "server/store.hpp"
#include "server_scratch.hpp"

namespace {

using mqchat::Message;
using mqchat::MessageKind;
using namespace mqchat::server;

UserRecord user(const std::string& id, const std::string& email) {
    return {id, email, "Name of " + id, "$argon2id$fake", 1000};
}

// Store::insert_user needs the latest schema; old schemas get raw SQL.
void insert_old_user(const std::string& db_path, const UserRecord& u) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "INSERT INTO users(id, email, name, password_hash, created_at) "
        "VALUES ('" +
        u.id + "', '" + u.email + "', 'n', 'h', 0)";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

// Messages of an old schema, without the usage accounting of today's Store.
void insert_old_message(const std::string& db_path, const std::string& id, const std::string& user,
                        const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "INSERT INTO messages(room, id, user, name, text, timestamp, received_at) "
        "VALUES ('general', '" +
        id + "', '" + user + "', 'Nm', '" + text + "', 1, 1)";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

Message message(const std::string& id, const std::string& text) {
    Message m;
    m.id = id;
    m.user = "alice";
    m.name = "Alice";
    m.text = text;
    m.timestamp = 1732412345678;
    return m;
}

std::vector<std::string> texts(const std::vector<Message>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages)
        out.push_back(m.text);
    return out;
}

TEST(ServerStoreMigrations, FreshDatabaseIsAtTheLatestVersion) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    EXPECT_EQ(store->schema_version(), Store::latest_version());
    EXPECT_EQ(Store::latest_version(), static_cast<int>(migrations().size()));
    EXPECT_GE(Store::latest_version(), 2);
}

TEST(ServerStoreMigrations, OldSchemaIsUpgradedKeepingItsData) {
    servertest::ScratchDir dir;
    {
        auto v1 = Store::open(dir.file("db"), 1);
        EXPECT_EQ(v1->schema_version(), 1);
        insert_old_user(dir.file("db"), user("alice", "alice@example.org"));
    }
    auto store = Store::open(dir.file("db"));
    EXPECT_EQ(store->schema_version(), Store::latest_version());
    EXPECT_TRUE(store->user_by_id("alice").has_value());
    EXPECT_TRUE(store->insert_message("general", message("m1", "hi"), 1));
}

TEST(ServerStoreMigrations, ReopeningIsIdempotent) {
    servertest::ScratchDir dir;
    Store::open(dir.file("db"))->insert_message("general", message("m1", "hi"), 1);
    auto store = Store::open(dir.file("db"));
    EXPECT_EQ(store->schema_version(), Store::latest_version());
    EXPECT_EQ(store->message_count("general"), 1);
}

TEST(ServerStoreMigrations, NewerSchemaIsRefused) {
    servertest::ScratchDir dir;
    Store::open(dir.file("db"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    EXPECT_THROW(Store::open(dir.file("db")), StoreError);
}

TEST(ServerStoreMigrations, UsesWriteAheadLogging) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("db").c_str(), &db), SQLITE_OK);
    std::string mode;
    sqlite3_exec(
        db, "PRAGMA journal_mode",
        [](void* out, int, char** values, char**) {
            *static_cast<std::string*>(out) = values[0];
            return 0;
        },
        &mode, nullptr);
    sqlite3_close(db);
    EXPECT_EQ(mode, "wal");
}

TEST(ServerStoreUsers, InsertFindListDelete) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    EXPECT_EQ(store->insert_user(user("bob", "bob@example.org")), InsertUser::inserted);
    EXPECT_EQ(store->insert_user(user("alice", "alice@example.org")), InsertUser::inserted);
    EXPECT_EQ(store->insert_user(user("alice2", "alice@example.org")), InsertUser::email_taken);
    EXPECT_EQ(store->insert_user(user("alice", "other@example.org")), InsertUser::id_taken);
    const auto found = store->user_by_email("alice@example.org");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, "alice");
    EXPECT_EQ(found->name, "Name of alice");
    EXPECT_EQ(found->password_hash, "$argon2id$fake");
    const auto all = store->users();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].id, "alice");  // ordered by id
    EXPECT_TRUE(store->delete_user("alice@example.org", 3000));
    EXPECT_FALSE(store->delete_user("alice@example.org", 3001));
    EXPECT_FALSE(store->user_by_id("alice"));
}

TEST(ServerStoreUsers, DeletedIdsAreRetiredForGood) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    EXPECT_FALSE(store->id_taken("alice"));
    ASSERT_EQ(store->insert_user(user("alice", "alice@example.org")), InsertUser::inserted);
    EXPECT_TRUE(store->id_taken("alice"));
    ASSERT_TRUE(store->delete_user("alice@example.org", 3000));
    EXPECT_TRUE(store->id_taken("alice"));
    // Not with the same email, not with another one.
    EXPECT_EQ(store->insert_user(user("alice", "alice@example.org")), InsertUser::id_taken);
    EXPECT_EQ(store->insert_user(user("alice", "new@example.org")), InsertUser::id_taken);
    EXPECT_FALSE(store->user_by_id("alice"));
    // The email itself is free again, under another id.
    EXPECT_EQ(store->insert_user(user("alice2", "alice@example.org")), InsertUser::inserted);
    EXPECT_TRUE(Store::open(dir.file("db"))->id_taken("alice"));  // kept on disk
}

TEST(ServerStoreMigrations, UpgradeRetiresSendersWithoutAnAccount) {
    servertest::ScratchDir dir;
    {
        auto v2 = Store::open(dir.file("db"), 2);
        insert_old_user(dir.file("db"), user("bob", "bob@example.org"));
        insert_old_message(dir.file("db"), "m1", "alice", "from a deleted alice");
        insert_old_message(dir.file("db"), "m2", "bob", "from bob");
    }
    auto store = Store::open(dir.file("db"));
    EXPECT_TRUE(store->id_taken("alice"));
    EXPECT_EQ(store->insert_user(user("alice", "alice@example.org")), InsertUser::id_taken);
    EXPECT_TRUE(store->id_taken("bob"));  // still an account
    EXPECT_TRUE(store->delete_user("bob@example.org", 5));
    EXPECT_TRUE(store->id_taken("bob"));
}

TEST(ServerStoreSessions, ValidUntilExpiryOrRevocation) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->insert_user(user("alice", "alice@example.org"));
    store->insert_session("hash1", "alice", 1000, 5000);
    EXPECT_EQ(store->session_user("hash1", 4999)->id, "alice");
    EXPECT_FALSE(store->session_user("hash1", 5000));  // expired at exactly expires_at
    EXPECT_FALSE(store->session_user("other", 2000));
    EXPECT_TRUE(store->revoke_session("hash1", 2000));
    EXPECT_FALSE(store->session_user("hash1", 2001));
    EXPECT_FALSE(store->revoke_session("hash1", 2002));
}

TEST(ServerStoreSessions, DeletingTheUserDeletesItsSessions) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->insert_user(user("alice", "alice@example.org"));
    store->insert_session("hash1", "alice", 1000, 5000);
    store->insert_session("hash2", "alice", 1000, 5000);
    store->delete_user("alice@example.org", 1500);
    EXPECT_FALSE(store->session_user("hash1", 2000));
    EXPECT_FALSE(store->session_user("hash2", 2000));
    EXPECT_FALSE(store->revoke_session("hash1", 2000));  // gone, not merely unusable
}

TEST(ServerStoreSessions, PurgeDropsExpiredAndRevoked) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->insert_user(user("alice", "alice@example.org"));
    store->insert_session("old", "alice", 0, 100);
    store->insert_session("revoked", "alice", 0, 100000);
    store->insert_session("live", "alice", 0, 100000);
    store->revoke_session("revoked", 50);
    EXPECT_EQ(store->purge_sessions(200), 2);
    EXPECT_TRUE(store->session_user("live", 300));
}

TEST(ServerStoreMessages, InsertOrIgnoreByRoomAndId) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    EXPECT_TRUE(store->insert_message("general", message("m1", "first"), 1));
    EXPECT_FALSE(store->insert_message("general", message("m1", "changed"), 2));
    EXPECT_TRUE(store->insert_message("ops", message("m1", "other room"), 3));
    EXPECT_EQ(texts(store->history("general", {})), std::vector<std::string>{"first"});
    EXPECT_EQ(store->message_count("ops"), 1);
}

TEST(ServerStoreMessages, KeepsEveryField) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    Message m = message("m1", "waves");
    m.kind = MessageKind::me;
    m.reply_to = "m0";
    m.name = "";
    store->insert_message("general", m, 1);
    const auto got = store->history("general", {});
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].id, "m1");
    EXPECT_EQ(got[0].user, "alice");
    EXPECT_EQ(got[0].name, "");
    EXPECT_EQ(got[0].text, "waves");
    EXPECT_EQ(got[0].timestamp, 1732412345678);
    EXPECT_EQ(got[0].kind, MessageKind::me);
    EXPECT_EQ(got[0].reply_to, "m0");
}

class ServerStoreHistory : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = Store::open(dir_.file("db"));
        // Receive order differs from id order and timestamps on purpose.
        for (int i = 1; i <= 10; ++i) {
            Message m = message("id-" + std::to_string(100 - i), "m" + std::to_string(i));
            m.timestamp = 1000 - i;
            store_->insert_message("general", m, i);
            store_->insert_message("other", message("x" + std::to_string(i), "x"), i);
        }
    }
    std::int64_t seq(int n) {
        return *store_->message_seq("general", "id-" + std::to_string(100 - n));
    }
    std::vector<std::string> page(HistoryQuery q) { return texts(store_->history("general", q)); }

    servertest::ScratchDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(ServerStoreHistory, NewestPageOldestFirst) {
    EXPECT_EQ(page({.limit = 3}), (std::vector<std::string>{"m8", "m9", "m10"}));
    EXPECT_EQ(page({.limit = 20}).size(), 10U);
}

TEST_F(ServerStoreHistory, BeforeAnId) {
    EXPECT_EQ(page({.limit = 3, .before_seq = seq(5)}),
              (std::vector<std::string>{"m2", "m3", "m4"}));
    EXPECT_EQ(page({.limit = 3, .before_seq = seq(2)}), (std::vector<std::string>{"m1"}));
    EXPECT_TRUE(page({.limit = 3, .before_seq = seq(1)}).empty());
}

TEST_F(ServerStoreHistory, AfterAnId) {
    EXPECT_EQ(page({.limit = 3, .after_seq = seq(5)}),
              (std::vector<std::string>{"m6", "m7", "m8"}));
    EXPECT_EQ(page({.limit = 3, .after_seq = seq(9)}), (std::vector<std::string>{"m10"}));
    EXPECT_TRUE(page({.limit = 3, .after_seq = seq(10)}).empty());
}

TEST_F(ServerStoreHistory, BetweenTwoIds) {
    EXPECT_EQ(page({.limit = 20, .before_seq = seq(6), .after_seq = seq(2)}),
              (std::vector<std::string>{"m3", "m4", "m5"}));
    EXPECT_EQ(page({.limit = 2, .before_seq = seq(6), .after_seq = seq(2)}),
              (std::vector<std::string>{"m3", "m4"}));
}

TEST_F(ServerStoreHistory, UnknownIdHasNoSeq) {
    EXPECT_FALSE(store_->message_seq("general", "nope"));
    EXPECT_FALSE(store_->message_seq("other", "id-99"));  // ids are per room
}

// --- usage, revocations, retirements -------------------------------------------

TEST(ServerStoreMigrations, UpgradeCountsTheUsageOfStoredMessages) {
    servertest::ScratchDir dir;
    Store::open(dir.file("db"), 3);
    insert_old_message(dir.file("db"), "m1", "bob", "four");     // 2 + 2 + 4 bytes
    insert_old_message(dir.file("db"), "m22", "bob", "\u00e9");  // 3 + 2 + 2 (é is 2 bytes)
    insert_old_message(dir.file("db"), "m3", "", "nobody");
    auto store = Store::open(dir.file("db"));
    EXPECT_EQ(store->user_bytes("bob"), 8 + 7);
    EXPECT_EQ(store->user_bytes(""), 0);
}

TEST(ServerStoreUsage, NewMessagesCountOnceAgainstTheirSender) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    Message m = message("m1", "hello");
    m.reply_to = "r0";
    EXPECT_EQ(stored_bytes(m), 2 + 5 + 5 + 2);  // id, name, text, reply_to
    EXPECT_TRUE(store->insert_message("general", m, 1));
    EXPECT_FALSE(store->insert_message("general", m, 2));  // a duplicate costs nothing
    EXPECT_EQ(store->user_bytes("alice"), 14);
    const auto fresh = store->insert_messages(
        {{"general", message("m2", "x"), 3}, {"general", m, 3}, {"ops", m, 3}});
    EXPECT_EQ(fresh, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(store->user_bytes("alice"), 14 + 8 + 14);
    EXPECT_EQ(store->users_at_or_over(36), std::vector<std::string>{"alice"});
    EXPECT_TRUE(store->users_at_or_over(37).empty());
}

TEST(ServerStoreUsage, ABatchIsOneTransaction) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("db").c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    store->set_busy_timeout(10);
    try {
        store->insert_messages(
            {{"general", message("m1", "a"), 1}, {"general", message("m2", "b"), 1}});
        ADD_FAILURE() << "stored while another connection held the write lock";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreFailure::busy) << e.what();
    }
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_EQ(store->message_count("general"), 0);
    EXPECT_EQ(store->insert_messages({{"general", message("m1", "a"), 1}}),
              std::vector<bool>{true});
}

TEST(ServerStoreUsage, AFullDatabaseFailsAsFull) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->set_max_pages(1);  // no page beyond what the file has now
    try {
        for (int i = 0; i < 100; ++i)
            store->insert_message("general",
                                  message("m" + std::to_string(i), std::string(4000, 'x')), 1);
        ADD_FAILURE() << "no SQLITE_FULL";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreFailure::full) << e.what();
    }
}

TEST(ServerStoreUsage, MessageById) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->insert_message("general", message("m1", "hi"), 1);
    EXPECT_EQ(store->message_by_id("general", "m1")->text, "hi");
    EXPECT_FALSE(store->message_by_id("ops", "m1"));
}

TEST(ServerStoreSessions, RevokedSessionsSinceACutoff) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    store->insert_user(user("alice", "alice@example.org"));
    store->insert_session("old", "alice", 1000, 900000);
    store->insert_session("new", "alice", 1000, 900000);
    store->insert_session("live", "alice", 1000, 900000);
    store->revoke_session("old", 2000);
    store->revoke_session("new", 5000);
    const auto revoked = store->revoked_sessions(3000);
    ASSERT_EQ(revoked.size(), 1U);
    EXPECT_EQ(revoked[0].token_hash, "new");
    EXPECT_EQ(revoked[0].revoked_at, 5000);
    EXPECT_EQ(store->revoked_sessions(0).size(), 2U);
}

TEST(ServerStoreAccounts, RetiredIdsByRowidAndTime) {
    servertest::ScratchDir dir;
    auto store = Store::open(dir.file("db"));
    for (const char* id : {"a", "b", "c"})
        store->insert_user(user(id, std::string(id) + "@example.org"));
    store->delete_user("a@example.org", 1000);
    store->delete_user("b@example.org", 5000);
    const auto recent = store->retired_ids(0, 2000);
    ASSERT_EQ(recent.size(), 1U);
    EXPECT_EQ(recent[0].id, "b");
    EXPECT_EQ(recent[0].retired_at, 5000);
    EXPECT_TRUE(store->retired_ids(recent[0].rowid, 0).empty());
    store->delete_user("c@example.org", 6000);
    const auto next = store->retired_ids(recent[0].rowid, 0);
    ASSERT_EQ(next.size(), 1U);
    EXPECT_EQ(next[0].id, "c");
}

}  // namespace
