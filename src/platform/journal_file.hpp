// An append-only private file (0600) that one process owns at a time through
// an exclusive flock: the outbox journal. Appends can be made durable (fdatasync)
// before the caller goes on; a file whose owner died can be claimed by another.
#pragma once

#include <optional>
#include <string>

namespace mqchat::platform {

class JournalFile {
  public:
    // Creates `path` (it must not exist) and locks it. The directory must exist.
    // A one-line problem in `problem` when that fails.
    static std::optional<JournalFile> create(const std::string& path, std::string& problem);
    // Opens and locks an existing file unless a live process holds its lock
    // (nullopt, `problem` empty) or it cannot be opened (nullopt, `problem`).
    static std::optional<JournalFile> claim(const std::string& path, std::string& problem);

    JournalFile(JournalFile&& other) noexcept;
    JournalFile& operator=(JournalFile&& other) noexcept;
    JournalFile(const JournalFile&) = delete;
    JournalFile& operator=(const JournalFile&) = delete;
    ~JournalFile();  // closes (and so unlocks); the file stays

    // Appends `text`; with `durable`, returns only once it is on disk.
    // Returns a one-line problem, or "" (e.g. "No space left on device").
    std::string append(const std::string& text, bool durable);
    // The whole content, at most `max_bytes`.
    std::string read_all(std::size_t max_bytes, std::string& problem) const;
    // Atomically replaces the content (a new file renamed over this one,
    // locked before the rename): compaction. Returns a problem or "".
    std::string replace(const std::string& content);
    // Deletes the file and closes it.
    void remove();
    const std::string& path() const { return path_; }

  private:
    JournalFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    void close();

    std::string path_;
    int fd_ = -1;
};

// fsync of a directory: a file created or renamed in it survives a crash.
void sync_directory(const std::string& dir);

}  // namespace mqchat::platform
