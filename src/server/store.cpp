// SQLite behind Store: prepared statements, migrations in transactions.
#include "store.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "schema.hpp"

namespace mqchat::server {
namespace {

constexpr int kBusyTimeoutMs = 5000;

StoreFailure failure_of(int rc) {
    switch (rc & 0xFF) {
        case SQLITE_FULL:
            return StoreFailure::full;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return StoreFailure::busy;
        case SQLITE_IOERR:
            return StoreFailure::io;
        default:
            return StoreFailure::other;
    }
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    if (!db) throw StoreError(what + ": out of memory");
    throw StoreError(what + ": " + sqlite3_errmsg(db), failure_of(sqlite3_extended_errcode(db)));
}

// One prepared statement; binds by position (1-based) and steps row by row.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
            SQLITE_OK)
            fail(db, "cannot prepare a statement");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text) {
        check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_, index, value));
        return *this;
    }
    // True while a row is available; false when done. Throws on errors, and
    // returns `constraint` = true instead of throwing for constraint failures.
    bool step(bool* constraint = nullptr) {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        if (constraint && (rc & 0xFF) == SQLITE_CONSTRAINT) {
            *constraint = true;
            return false;
        }
        fail(db_, "database statement failed");
    }
    std::string text(int column) const {
        const auto* p = sqlite3_column_text(stmt_, column);
        const int n = sqlite3_column_bytes(stmt_, column);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                 : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

  private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(db_, "cannot bind a value");
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

constexpr std::string_view kUserColumns = "id, email, name, password_hash, created_at";

UserRecord user_of_row(const Statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

std::optional<UserRecord> one_user(Statement& s) {
    if (!s.step()) return std::nullopt;
    return user_of_row(s);
}

const char* kind_text(MessageKind kind) {
    return kind == MessageKind::me ? "me" : "text";
}

Message message_of_row(const Statement& s) {
    Message m;
    m.id = s.text(0);
    m.user = s.text(1);
    m.name = s.text(2);
    m.text = s.text(3);
    m.timestamp = s.integer(4);
    m.kind = s.text(5) == "me" ? MessageKind::me : MessageKind::text;
    m.reply_to = s.text(6);
    return m;
}

// An IMMEDIATE transaction (the write lock at once, so a conflict shows as
// SQLITE_BUSY at BEGIN rather than at COMMIT), rolled back unless committed.
class Transaction {
  public:
    explicit Transaction(sqlite3* db) : db_(db) { run("BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() { run("COMMIT"); }

  private:
    void run(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            fail(db_, std::string(sql) + " failed");
    }
    sqlite3* db_;
};

// INSERT OR IGNORE of one message and, when it was new, its bytes added to
// the sender's usage; inside the caller's transaction.
bool insert_row(sqlite3* db, const ArchiveRow& row) {
    const Message& m = row.message;
    Statement s(db,
                "INSERT OR IGNORE INTO messages(room, id, user, name, text, timestamp, kind, "
                "reply_to, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, row.room).bind(2, m.id).bind(3, m.user).bind(4, m.name).bind(5, m.text);
    s.bind(6, m.timestamp).bind(7, kind_text(m.kind)).bind(8, m.reply_to).bind(9, row.received_at);
    s.step();
    if (sqlite3_changes(db) == 0) return false;
    if (m.user.empty()) return true;
    Statement usage(db,
                    "INSERT INTO user_usage(user, bytes) VALUES (?1, ?2) "
                    "ON CONFLICT(user) DO UPDATE SET bytes = bytes + excluded.bytes");
    usage.bind(1, m.user).bind(2, stored_bytes(m)).step();
    return true;
}

}  // namespace

std::int64_t stored_bytes(const Message& m) {
    return static_cast<std::int64_t>(m.id.size() + m.name.size() + m.text.size() +
                                     m.reply_to.size());
}

std::unique_ptr<Store> Store::open(const std::string& path) {
    return open(path, latest_version());
}

std::unique_ptr<Store> Store::open(const std::string& path, int target_version) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw StoreError("cannot open database " + path + ": " + why);
    }
    std::unique_ptr<Store> store(new Store(db));
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // WAL: readers (HTTP history) never wait for the archiver's writes, and
    // `mqchatd user add` can write while serve runs.
    store->exec("PRAGMA journal_mode=WAL");
    // FULL: a commit is on disk when COMMIT returns (the archiver acknowledges
    // messages to the broker right after it); NORMAL in WAL mode can lose the
    // last commits in a power failure.
    store->exec("PRAGMA synchronous=FULL");
    store->exec("PRAGMA foreign_keys=ON");
    store->migrate(target_version);
    return store;
}

Store::~Store() {
    sqlite3_close_v2(db_);
}

int Store::latest_version() {
    return static_cast<int>(migrations().size());
}

void Store::exec(const char* sql) {
    char* error = nullptr;
    if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
        const std::string why = error ? error : "unknown error";
        sqlite3_free(error);
        throw StoreError(std::string("database error: ") + why, failure_of(rc));
    }
}

void Store::set_busy_timeout(int ms) {
    std::lock_guard lock(mutex_);
    sqlite3_busy_timeout(db_, ms);
}

void Store::set_max_pages(std::int64_t pages) {
    std::lock_guard lock(mutex_);
    exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
}

int Store::schema_version() {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT version FROM schema_version");
    return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

// Each migration runs in its own IMMEDIATE transaction together with the
// version bump, so a crash or a second mqchatd never sees a half-migrated schema.
void Store::migrate(int target_version) {
    exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    const auto steps = migrations();
    for (;;) {
        exec("BEGIN IMMEDIATE");
        try {
            Statement current(db_, "SELECT version FROM schema_version");
            const bool has_row = current.step();
            const int version = has_row ? static_cast<int>(current.integer(0)) : 0;
            if (version > latest_version())
                throw StoreError("the database has schema version " + std::to_string(version) +
                                 ", newer than this mqchatd knows (" +
                                 std::to_string(latest_version()) + ")");
            if (version >= target_version) {
                exec("COMMIT");
                return;
            }
            exec(std::string(steps[static_cast<std::size_t>(version)]).c_str());
            Statement bump(db_, has_row ? "UPDATE schema_version SET version = ?1"
                                        : "INSERT INTO schema_version(version) VALUES (?1)");
            bump.bind(1, static_cast<std::int64_t>(version + 1)).step();
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

// The retired-id check is part of the INSERT, so a concurrent `user del`
// cannot slip between a check and the insert.
InsertUser Store::insert_user(const UserRecord& user) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT INTO users(id, email, name, password_hash, created_at) "
                "SELECT ?1, ?2, ?3, ?4, ?5 "
                "WHERE NOT EXISTS (SELECT 1 FROM retired_ids WHERE id = ?1)");
    s.bind(1, user.id).bind(2, user.email).bind(3, user.name).bind(4, user.password_hash);
    s.bind(5, user.created_at);
    bool constraint = false;
    s.step(&constraint);
    if (!constraint && sqlite3_changes(db_) > 0) return InsertUser::inserted;
    Statement email(db_, "SELECT 1 FROM users WHERE email = ?1");
    email.bind(1, user.email);
    return email.step() ? InsertUser::email_taken : InsertUser::id_taken;
}

bool Store::id_taken(std::string_view id) {
    std::lock_guard lock(mutex_);
    Statement s(
        db_, "SELECT 1 FROM users WHERE id = ?1 UNION ALL SELECT 1 FROM retired_ids WHERE id = ?1");
    s.bind(1, id);
    return s.step();
}

std::optional<UserRecord> Store::user_by_email(std::string_view email) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT " + std::string(kUserColumns) + " FROM users WHERE email = ?1");
    s.bind(1, email);
    return one_user(s);
}

std::optional<UserRecord> Store::user_by_id(std::string_view id) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?1");
    s.bind(1, id);
    return one_user(s);
}

std::vector<UserRecord> Store::users() {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT " + std::string(kUserColumns) + " FROM users ORDER BY id");
    std::vector<UserRecord> out;
    while (s.step())
        out.push_back(user_of_row(s));
    return out;
}

std::optional<std::string> Store::id_of_email(std::string_view email) {
    Statement s(db_, "SELECT id FROM users WHERE email = ?1");
    s.bind(1, email);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

bool Store::delete_user(std::string_view email, std::int64_t now) {
    std::lock_guard lock(mutex_);
    Transaction transaction(db_);
    const auto id = id_of_email(email);
    if (id) {
        Statement retire(db_, "INSERT OR IGNORE INTO retired_ids(id, retired_at) VALUES (?1, ?2)");
        retire.bind(1, *id).bind(2, now).step();
        // Explicitly, not only by ON DELETE CASCADE: no session may outlive its account.
        Statement sessions(db_, "DELETE FROM sessions WHERE user_id = ?1");
        sessions.bind(1, *id).step();
        Statement user(db_, "DELETE FROM users WHERE id = ?1");
        user.bind(1, *id).step();
    }
    transaction.commit();
    return id.has_value();
}

void Store::insert_session(std::string_view token_hash, std::string_view user_id,
                           std::int64_t created_at, std::int64_t expires_at) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT INTO sessions(token_hash, user_id, created_at, expires_at) "
                "VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, token_hash).bind(2, user_id).bind(3, created_at).bind(4, expires_at).step();
}

std::optional<UserRecord> Store::session_user(std::string_view token_hash, std::int64_t now) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT u.id, u.email, u.name, u.password_hash, u.created_at "
                "FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2");
    s.bind(1, token_hash).bind(2, now);
    return one_user(s);
}

bool Store::revoke_session(std::string_view token_hash, std::int64_t now) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL");
    s.bind(1, token_hash).bind(2, now).step();
    return sqlite3_changes(db_) > 0;
}

int Store::purge_sessions(std::int64_t cutoff) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM sessions WHERE expires_at <= ?1 OR revoked_at <= ?1");
    s.bind(1, cutoff).step();
    return sqlite3_changes(db_);
}

std::vector<RevokedSession> Store::revoked_sessions(std::int64_t since) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT token_hash, revoked_at FROM sessions WHERE revoked_at > ?1 "
                "ORDER BY revoked_at");
    s.bind(1, since);
    std::vector<RevokedSession> out;
    while (s.step())
        out.push_back({s.text(0), s.integer(1)});
    return out;
}

std::vector<RetiredId> Store::retired_ids(std::int64_t after_rowid, std::int64_t since) {
    std::lock_guard lock(mutex_);
    Statement s(
        db_,
        "SELECT rowid, id, retired_at FROM retired_ids WHERE rowid > ?1 AND retired_at > ?2 "
        "ORDER BY rowid");
    s.bind(1, after_rowid).bind(2, since);
    std::vector<RetiredId> out;
    while (s.step())
        out.push_back({s.integer(0), s.text(1), s.integer(2)});
    return out;
}

bool Store::insert_message(std::string_view room, const Message& m, std::int64_t received_at) {
    return insert_messages({ArchiveRow{std::string(room), m, received_at}}).front();
}

std::vector<bool> Store::insert_messages(const std::vector<ArchiveRow>& rows) {
    std::lock_guard lock(mutex_);
    Transaction transaction(db_);
    std::vector<bool> inserted;
    inserted.reserve(rows.size());
    for (const auto& row : rows)
        inserted.push_back(insert_row(db_, row));
    transaction.commit();
    return inserted;
}

std::optional<Message> Store::message_by_id(std::string_view room, std::string_view id) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT id, user, name, text, timestamp, kind, reply_to FROM messages "
                "WHERE room = ?1 AND id = ?2");
    s.bind(1, room).bind(2, id);
    if (!s.step()) return std::nullopt;
    return message_of_row(s);
}

std::optional<std::int64_t> Store::message_seq(std::string_view room, std::string_view id) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT seq FROM messages WHERE room = ?1 AND id = ?2");
    s.bind(1, room).bind(2, id);
    if (!s.step()) return std::nullopt;
    return s.integer(0);
}

std::vector<Message> Store::history(std::string_view room, const HistoryQuery& q) {
    // Forward from `after`, or backward from `before` (or the end) and then
    // reversed: either way the answer is oldest first.
    const bool forward = q.after_seq.has_value();
    std::string sql =
        "SELECT id, user, name, text, timestamp, kind, reply_to FROM messages "
        "WHERE room = ?1 AND seq > ?2 AND seq < ?3 ORDER BY seq ";
    sql += forward ? "ASC" : "DESC";
    sql += " LIMIT ?4";
    std::lock_guard lock(mutex_);
    Statement s(db_, sql);
    s.bind(1, room).bind(2, q.after_seq.value_or(0));
    s.bind(3, q.before_seq.value_or(INT64_MAX)).bind(4, static_cast<std::int64_t>(q.limit));
    std::vector<Message> out;
    while (s.step())
        out.push_back(message_of_row(s));
    if (!forward) std::reverse(out.begin(), out.end());
    return out;
}

std::int64_t Store::message_count(std::string_view room) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT COUNT(*) FROM messages WHERE room = ?1");
    s.bind(1, room);
    return s.step() ? s.integer(0) : 0;
}

std::int64_t Store::user_bytes(std::string_view user) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT bytes FROM user_usage WHERE user = ?1");
    s.bind(1, user);
    return s.step() ? s.integer(0) : 0;
}

std::vector<std::string> Store::users_at_or_over(std::int64_t bytes) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT user FROM user_usage WHERE bytes >= ?1 ORDER BY user");
    s.bind(1, bytes);
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.text(0));
    return out;
}

}  // namespace mqchat::server
