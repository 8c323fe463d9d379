// The stored login (SPEC §5): $XDG_STATE_HOME/mqchat/session.json, mode 0600,
// holding the server URL, the session secret and who it belongs to.
#pragma once

#include <optional>
#include <string>

namespace mqchat::app {

struct StoredSession {
    std::string server;
    std::string session;  // secret
    std::string user_id;
    std::string user_name;
    std::string expires_at;
};

class SessionStore {
  public:
    explicit SessionStore(std::string path);
    static SessionStore at_default_path();  // $XDG_STATE_HOME/mqchat/session.json

    // nullopt when there is none; a one-line problem in `error` when the file
    // exists but cannot be used (unreadable, corrupt).
    std::optional<StoredSession> load(std::string& error) const;
    // Atomic (temporary file + rename), the directory 0700 and the file 0600
    // from the moment it exists. Returns a one-line problem, or empty.
    std::string save(const StoredSession& s) const;
    // Returns a one-line problem, or empty (also when there was nothing).
    std::string remove() const;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace mqchat::app
