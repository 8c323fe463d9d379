// Messages that were written but never acknowledged by the broker, kept on
// disk ($XDG_STATE_HOME/mqchat/outbox/, one 0600 file per message) so that
// quitting while offline loses nothing: the chat sends them again the next
// time their room is open. Their ids make a repeat harmless for every reader.
#pragma once

#include <string>
#include <vector>

namespace mqchat::app {

struct OutboxEntry {
    std::string room;
    std::string message_id;  // also the file name: [0-9A-Za-z_-] only
    std::string payload;     // the canonical payload, as published
};

class Outbox {
  public:
    explicit Outbox(std::string dir);
    static Outbox at_default_path();

    // Returns a one-line problem, or empty.
    std::string save(const OutboxEntry& entry) const;
    // Every readable entry, oldest first (ULID order); unreadable files are
    // skipped and named in `problems`.
    std::vector<OutboxEntry> load(std::vector<std::string>& problems) const;
    void remove(const std::string& message_id) const;
    const std::string& dir() const { return dir_; }

  private:
    std::string path_of(const std::string& message_id) const;
    std::string dir_;
};

}  // namespace mqchat::app
