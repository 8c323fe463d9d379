// JournalFile: O_APPEND writes, fdatasync, flock ownership, atomic rewrite.
#include "journal_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "environment.hpp"
#include "private_files.hpp"

namespace mqchat::platform {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

std::string parent_of(const std::string& path) {
    return std::filesystem::path(path).parent_path().string();
}

}  // namespace

void sync_directory(const std::string& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

std::optional<JournalFile> JournalFile::create(const std::string& path, std::string& problem) {
    problem.clear();
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        problem = "cannot create " + path + ": " + errno_text();
        return std::nullopt;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        problem = "cannot lock " + path + ": " + errno_text();
        ::close(fd);
        return std::nullopt;
    }
    sync_directory(parent_of(path));
    return JournalFile(path, fd);
}

std::optional<JournalFile> JournalFile::claim(const std::string& path, std::string& problem) {
    problem.clear();
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) problem = "cannot open " + path + ": " + errno_text();
        return std::nullopt;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // its owner is alive
        ::close(fd);
        return std::nullopt;
    }
    // The owner may have removed it between our open and our lock.
    struct stat opened {};
    struct stat named {};
    if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0 ||
        opened.st_ino != named.st_ino || opened.st_dev != named.st_dev) {
        ::close(fd);
        return std::nullopt;
    }
    if ((opened.st_mode & 077) != 0) ::fchmod(fd, 0600);
    return JournalFile(path, fd);
}

JournalFile::JournalFile(JournalFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
    other.fd_ = -1;
}

JournalFile& JournalFile::operator=(JournalFile&& other) noexcept {
    if (this != &other) {
        close();
        path_ = std::move(other.path_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

JournalFile::~JournalFile() {
    close();
}

void JournalFile::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::string JournalFile::append(const std::string& text, bool durable) {
    if (fd_ < 0) return "the journal " + path_ + " is closed";
    if (!write_all(fd_, text)) return "cannot write " + path_ + ": " + errno_text();
    if (durable && ::fdatasync(fd_) != 0) return "cannot write " + path_ + ": " + errno_text();
    return {};
}

std::string JournalFile::read_all(std::size_t max_bytes, std::string& problem) const {
    problem.clear();
    std::string text;
    char buf[65536];
    off_t offset = 0;
    for (;;) {
        const ssize_t n = ::pread(fd_, buf, sizeof buf, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            problem = "cannot read " + path_ + ": " + errno_text();
            break;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        offset += n;
        if (text.size() >= max_bytes) {
            problem = path_ + " is larger than " + std::to_string(max_bytes) + " bytes";
            break;
        }
    }
    return text;
}

std::string JournalFile::replace(const std::string& content) {
    const std::string tmp = path_ + ".tmp." + random_hex(6);
    const int fd = ::open(tmp.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + tmp + ": " + errno_text();
    const bool ok = ::flock(fd, LOCK_EX | LOCK_NB) == 0 && write_all(fd, content) &&
                    ::fdatasync(fd) == 0 && ::rename(tmp.c_str(), path_.c_str()) == 0;
    if (!ok) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        ::close(fd);
        return "cannot rewrite " + path_ + ": " + why;
    }
    sync_directory(parent_of(path_));
    close();
    fd_ = fd;
    return {};
}

void JournalFile::remove() {
    if (fd_ >= 0) ::unlink(path_.c_str());
    close();
}

}  // namespace mqchat::platform
