// mqchatd's storage: users, sessions, the message archive and per-user usage
// in SQLite (WAL, synchronous=FULL, busy timeout, versioned migrations). One
// connection per Store, serialized by a mutex: the HTTP threads share one,
// the serve loop (the archiver) has its own, so neither waits for the other.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.hpp"

struct sqlite3;

namespace mqchat::server {

// What kind of failure a StoreError is, for the callers that must tell a
// full disk or a held lock (retry later, say why) from a bug.
enum class StoreFailure { other, full, busy, io };

class StoreError : public std::runtime_error {
  public:
    explicit StoreError(const std::string& what, StoreFailure kind = StoreFailure::other)
        : std::runtime_error(what), kind_(kind) {}
    StoreFailure kind() const { return kind_; }

  private:
    StoreFailure kind_;
};

// The bytes a message counts against its sender's storage quota.
std::int64_t stored_bytes(const Message& message);

// One message to archive.
struct ArchiveRow {
    std::string room;
    Message message;
    std::int64_t received_at = 0;
};

struct RevokedSession {
    std::string token_hash;
    std::int64_t revoked_at = 0;
};

struct RetiredId {
    std::int64_t rowid = 0;  // increases with every retirement: a cursor for watching
    std::string id;
    std::int64_t retired_at = 0;
};

struct UserRecord {
    std::string id;     // account id: token sub and MQTT username
    std::string email;  // normalized (lowercase)
    std::string name;   // display name
    std::string password_hash;
    std::int64_t created_at = 0;
};

// id_taken: an account has the id, or had it (ids are never reused).
enum class InsertUser { inserted, email_taken, id_taken };

struct HistoryQuery {
    int limit = 20;
    std::optional<std::int64_t> before_seq =
        std::nullopt;                                      // only messages received before this one
    std::optional<std::int64_t> after_seq = std::nullopt;  // only messages received after this one
};

class Store {
  public:
    // Opens (creating if needed) the database and applies pending migrations,
    // at most up to `target_version` (tests use it to build old schemas).
    // Throws StoreError.
    static std::unique_ptr<Store> open(const std::string& path);
    static std::unique_ptr<Store> open(const std::string& path, int target_version);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int schema_version();
    static int latest_version();
    // How long a statement waits for another connection's write lock.
    void set_busy_timeout(int ms);
    // Caps the database at `pages` pages (SQLite's max_page_count, never
    // below the current size): writes beyond fail as on a full disk. For tests.
    void set_max_pages(std::int64_t pages);

    // --- users
    InsertUser insert_user(const UserRecord& user);
    std::optional<UserRecord> user_by_email(std::string_view email);
    std::optional<UserRecord> user_by_id(std::string_view id);
    std::vector<UserRecord> users();
    // True when an account has or had this id: such an id is never given out again.
    bool id_taken(std::string_view id);
    // Deletes the account, revokes (deletes) all its sessions and retires its
    // id, in one transaction. False when no account has this email.
    bool delete_user(std::string_view email, std::int64_t now);

    // --- sessions (by the SHA-256 hex of the secret)
    void insert_session(std::string_view token_hash, std::string_view user_id,
                        std::int64_t created_at, std::int64_t expires_at);
    // The user of a session that exists, is not revoked and has not expired.
    std::optional<UserRecord> session_user(std::string_view token_hash, std::int64_t now);
    bool revoke_session(std::string_view token_hash, std::int64_t now);
    // Drops sessions that expired or were revoked before `cutoff`.
    int purge_sessions(std::int64_t cutoff);
    // Sessions revoked after `since` (their tokens may still be unexpired).
    std::vector<RevokedSession> revoked_sessions(std::int64_t since);
    // Ids retired (accounts deleted) after `since` whose rowid is above `after_rowid`.
    std::vector<RetiredId> retired_ids(std::int64_t after_rowid, std::int64_t since);

    // --- messages
    // INSERT OR IGNORE by (room, id): false when the message was already stored.
    bool insert_message(std::string_view room, const Message& message, std::int64_t received_at);
    // Every row in one IMMEDIATE transaction, each INSERT OR IGNORE by (room,
    // id), with the senders' usage updated in the same transaction. Per row:
    // whether it was new. Throws StoreError (nothing stored) on failure.
    std::vector<bool> insert_messages(const std::vector<ArchiveRow>& rows);
    std::optional<Message> message_by_id(std::string_view room, std::string_view id);
    // The receive-order position of a stored message.
    std::optional<std::int64_t> message_seq(std::string_view room, std::string_view id);
    // Oldest first. Without after_seq: the newest `limit` (before before_seq);
    // with after_seq: the first `limit` after it.
    std::vector<Message> history(std::string_view room, const HistoryQuery& query);
    std::int64_t message_count(std::string_view room);

    // --- usage (stored_bytes per sender)
    std::int64_t user_bytes(std::string_view user);
    // Senders that have stored at least `bytes`.
    std::vector<std::string> users_at_or_over(std::int64_t bytes);

  private:
    explicit Store(sqlite3* db) : db_(db) {}
    void migrate(int target_version);
    void exec(const char* sql);
    std::optional<std::string> id_of_email(std::string_view email);  // mutex held

    std::mutex mutex_;
    sqlite3* db_;
};

}  // namespace mqchat::server
