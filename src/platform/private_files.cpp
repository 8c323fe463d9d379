// Private files: 0700 directories, 0600 files, atomic replacement.
#include "private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "environment.hpp"

namespace mqchat::platform {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string make_private_dirs(const std::string& dir) {
    std::error_code ec;
    const std::filesystem::path path(dir);
    if (std::filesystem::exists(path, ec)) return {};
    if (auto parent = path.parent_path(); !parent.empty() && parent != path)
        if (auto problem = make_private_dirs(parent.string()); !problem.empty()) return problem;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return "cannot create " + dir + ": " + errno_text();
    return {};
}

std::string write_private_file(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    if (auto problem = make_private_dirs(target.parent_path().string()); !problem.empty())
        return problem;
    const std::string tmp = path + ".tmp." + random_hex(6);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + tmp + ": " + errno_text();
    const bool ok = write_all(fd, content) && ::fsync(fd) == 0;
    const std::string write_error = errno_text();
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = ok ? errno_text() : write_error;
        ::unlink(tmp.c_str());
        return "cannot write " + path + ": " + why;
    }
    return {};
}

std::optional<std::string> read_private_file(const std::string& path, std::size_t max_bytes,
                                             std::string& error) {
    error.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) error = "cannot read " + path + ": " + errno_text();
        return std::nullopt;
    }
    struct stat st {};
    ::fstat(fd, &st);
    if ((st.st_mode & 077) != 0) ::fchmod(fd, 0600);  // tighten a file someone loosened
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < max_bytes)
        text.append(buf, static_cast<std::size_t>(n));
    if (n < 0) error = "cannot read " + path + ": " + errno_text();
    ::close(fd);
    return text;
}

}  // namespace mqchat::platform
