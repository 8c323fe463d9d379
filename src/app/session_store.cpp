// Reading and writing session.json without ever exposing it to other users.
#include "session_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "platform/environment.hpp"
#include "platform/private_files.hpp"

namespace mqchat::app {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxSessionFileBytes = 64 * 1024;

}  // namespace

SessionStore::SessionStore(std::string path) : path_(std::move(path)) {}

SessionStore SessionStore::at_default_path() {
    return SessionStore(platform::state_home() + "/mqchat/session.json");
}

std::optional<StoredSession> SessionStore::load(std::string& error) const {
    const auto text = platform::read_private_file(path_, kMaxSessionFileBytes, error);
    if (!text) return std::nullopt;
    const json j = json::parse(*text, nullptr, false);
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
    const json j = {{"server", s.server},
                    {"session", s.session},
                    {"user", {{"id", s.user_id}, {"name", s.user_name}}},
                    {"expiresAt", s.expires_at}};
    return platform::write_private_file(
        path_, j.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

std::string SessionStore::remove() const {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
        return "cannot delete " + path_ + ": " + std::strerror(errno);
    return {};
}

}  // namespace mqchat::app
