// SQLite's write lock held from a test, as another process running
// `BEGIN IMMEDIATE` in sqlite3 would: mqchatd's writes then get SQLITE_BUSY.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace testsupport {

class SqliteWriteLock {
  public:
    explicit SqliteWriteLock(const std::string& path) {
        EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
        sqlite3_busy_timeout(db_, 10000);
        EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    ~SqliteWriteLock() { release(); }
    SqliteWriteLock(const SqliteWriteLock&) = delete;
    SqliteWriteLock& operator=(const SqliteWriteLock&) = delete;

    void release() {
        if (!db_) return;
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
        db_ = nullptr;
    }

  private:
    sqlite3* db_ = nullptr;
};

}  // namespace testsupport
