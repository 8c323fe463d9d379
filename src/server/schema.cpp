// SQL of every schema version. Times are ms since the epoch.
#include "schema.hpp"

#include <array>

namespace mqchat::server {
namespace {

// 1: accounts and login sessions. Sessions are stored as the SHA-256 of the
// secret the client holds, so a copied database cannot log anyone in.
constexpr std::string_view kAccounts = R"sql(
CREATE TABLE users(
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);
)sql";

// 2: the archive. seq is the server's receive order (AUTOINCREMENT: never
// reused, so paging cursors stay valid); (room, id) makes redeliveries and
// the archiver's echo of POSTed messages harmless.
constexpr std::string_view kMessages = R"sql(
CREATE TABLE messages(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  id TEXT NOT NULL,
  user TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'text',
  reply_to TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL,
  UNIQUE(room, id)
);
CREATE INDEX messages_room_seq ON messages(room, seq);
)sql";

// 3: account ids are never reused. A deleted account's id is kept here, so a
// later account cannot take over the sender id of its archived messages.
// Seeded with the senders of archived messages that have no account: ids of
// accounts deleted before this version (and senders from outside, which no
// new account should impersonate either).
constexpr std::string_view kRetiredIds = R"sql(
CREATE TABLE retired_ids(
  id TEXT PRIMARY KEY,
  retired_at INTEGER NOT NULL
);
INSERT OR IGNORE INTO retired_ids(id, retired_at)
  SELECT DISTINCT user, 0 FROM messages
  WHERE user <> '' AND user NOT IN (SELECT id FROM users);
)sql";

// 4: stored bytes per sender, for the storage quota: kept up to date in the
// transaction that stores each message, so checking a quota is one lookup.
// The measure is the bytes of id, name, text and reply_to (store.cpp's
// stored_bytes); the index finds the users over a quota without a scan.
constexpr std::string_view kUserUsage = R"sql(
CREATE TABLE user_usage(
  user TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL
);
CREATE INDEX user_usage_bytes ON user_usage(bytes);
INSERT INTO user_usage(user, bytes)
  SELECT user, SUM(length(CAST(id AS BLOB)) + length(CAST(name AS BLOB)) +
                   length(CAST(text AS BLOB)) + length(CAST(reply_to AS BLOB)))
  FROM messages WHERE user <> '' GROUP BY user;
)sql";

constexpr std::array<std::string_view, 4> kMigrations = {kAccounts, kMessages, kRetiredIds,
                                                         kUserUsage};

}  // namespace

std::span<const std::string_view> migrations() {
    return kMigrations;
}

}  // namespace mqchat::server
