// Reading and writing session.json without ever exposing it to other users.
#include "session_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxSessionFileBytes = 64 * 1024;

std::string errno_text() {
    return std::strerror(errno);
}

// mkdir -p with 0700 for the directories we create.
std::string make_private_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) return {};
    if (auto parent = dir.parent_path(); !parent.empty() && parent != dir)
        if (auto problem = make_private_dirs(parent); !problem.empty()) return problem;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return "cannot create " + dir.string() + ": " + errno_text();
    return {};
}

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

}  // namespace

SessionStore::SessionStore(std::string path) : path_(std::move(path)) {}

SessionStore SessionStore::at_default_path() {
    return SessionStore(platform::state_home() + "/mqchat/session.json");
}

std::optional<StoredSession> SessionStore::load(std::string& error) const {
    error.clear();
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) error = "cannot read " + path_ + ": " + errno_text();
        return std::nullopt;
    }
    struct stat st {};
    ::fstat(fd, &st);
    if ((st.st_mode & 077) != 0) ::fchmod(fd, 0600);  // tighten a file someone loosened
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < kMaxSessionFileBytes)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("session") || !j["session"].is_string() ||
        !j.contains("server") || !j["server"].is_string()) {
        error = path_ + " is not a valid session file: run mqchat login";
        return std::nullopt;
    }
    StoredSession s;
    s.server = j["server"].get<std::string>();
    s.session = j["session"].get<std::string>();
    if (const auto u = j.find("user"); u != j.end() && u->is_object()) {
        s.user_id = u->value("id", "");
        s.user_name = u->value("name", "");
    }
    s.expires_at = j.value("expiresAt", "");
    return s;
}

std::string SessionStore::save(const StoredSession& s) const {
    const std::filesystem::path target(path_);
    if (auto problem = make_private_dirs(target.parent_path()); !problem.empty()) return problem;
    const json j = {{"server", s.server},
                    {"session", s.session},
                    {"user", {{"id", s.user_id}, {"name", s.user_name}}},
                    {"expiresAt", s.expires_at}};
    const std::string tmp = path_ + ".tmp." + platform::random_hex(6);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + tmp + ": " + errno_text();
    const bool ok = write_all(fd, j.dump(2, ' ', false, json::error_handler_t::replace) + "\n") &&
                    ::fsync(fd) == 0;
    const std::string write_error = errno_text();
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
        const std::string why = ok ? errno_text() : write_error;
        ::unlink(tmp.c_str());
        return "cannot write " + path_ + ": " + why;
    }
    return {};
}

std::string SessionStore::remove() const {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
        return "cannot delete " + path_ + ": " + errno_text();
    return {};
}

}  // namespace mqchat::app
