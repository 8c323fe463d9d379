// One room's messages as the chat screen keeps them: history and live joined
// by id, a bounded scrollback, own messages with their delivery state.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>
#include <vector>

#include "message.hpp"

namespace mqchat {

enum class Delivery {
    none,     // someone else's message, or one of ours seen on the topic
    pending,  // published, not yet acknowledged by the broker
    sent,     // acknowledged
    failed,   // refused by the broker
};

struct LogEntry {
    Message message;  // as received: sanitized when laid out
    bool mine = false;
    bool mention = false;
    Delivery delivery = Delivery::none;
};

class RoomLog {
  public:
    explicit RoomLog(std::size_t capacity = 5000);

    // A live message, after everything shown; nothing when its id is known.
    // Beyond the capacity the oldest entries go. Returns whether it was added.
    bool append(LogEntry entry);
    // Older messages (oldest first, e.g. a history page) placed before
    // everything shown, skipping known ids; at most what fits in the
    // capacity, keeping the newest of them. Returns how many were added.
    std::size_t prepend(std::vector<LogEntry> older);

    const std::deque<LogEntry>& entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }
    std::size_t size() const { return entries_.size(); }
    bool contains(const std::string& id) const { return ids_.count(id) != 0; }
    // The entry with this id, or null.
    LogEntry* find(const std::string& id);
    // The first entry with a server-visible id (history cursor), or empty.
    std::string oldest_id() const;
    std::string newest_id() const;
    // Entries dropped for the capacity: older history is no longer complete.
    bool trimmed() const { return trimmed_; }

  private:
    std::size_t capacity_;
    std::deque<LogEntry> entries_;
    std::unordered_set<std::string> ids_;
    bool trimmed_ = false;
};

}  // namespace mqchat
