// mqchatd's storage: users, sessions and the message archive in SQLite (WAL,
// busy timeout, versioned migrations). One connection, serialized by a mutex,
// shared by the HTTP threads and the archiver.
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

class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
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

    // --- messages
    // INSERT OR IGNORE by (room, id): false when the message was already stored.
    bool insert_message(std::string_view room, const Message& message, std::int64_t received_at);
    // The receive-order position of a stored message.
    std::optional<std::int64_t> message_seq(std::string_view room, std::string_view id);
    // Oldest first. Without after_seq: the newest `limit` (before before_seq);
    // with after_seq: the first `limit` after it.
    std::vector<Message> history(std::string_view room, const HistoryQuery& query);
    std::int64_t message_count(std::string_view room);

  private:
    explicit Store(sqlite3* db) : db_(db) {}
    void migrate(int target_version);
    void exec(const char* sql);
    std::optional<std::string> id_of_email(std::string_view email);  // mutex held

    std::mutex mutex_;
    sqlite3* db_;
};

}  // namespace mqchat::server
