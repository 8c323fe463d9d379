// The scrollback of one room: de-duplication by id and the capacity bound.
#include "room_log.hpp"

#include <algorithm>

namespace mqchat {

RoomLog::RoomLog(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

bool RoomLog::append(LogEntry entry) {
    if (!ids_.insert(entry.message.id).second) return false;
    entries_.push_back(std::move(entry));
    while (entries_.size() > capacity_) {
        ids_.erase(entries_.front().message.id);
        entries_.pop_front();
        trimmed_ = true;
    }
    return true;
}

std::size_t RoomLog::prepend(std::vector<LogEntry> older) {
    // New ids only, each once (a page repeating an id), before they are
    // counted against the capacity: a repeat must not trim real messages.
    std::vector<LogEntry> fresh;
    std::unordered_set<std::string> seen;
    for (auto& e : older)
        if (!contains(e.message.id) && seen.insert(e.message.id).second)
            fresh.push_back(std::move(e));
    const std::size_t room = capacity_ > entries_.size() ? capacity_ - entries_.size() : 0;
    std::size_t skip = 0;
    if (fresh.size() > room) {
        skip = fresh.size() - room;  // keep the newest of the older messages
        trimmed_ = true;
    }
    for (std::size_t i = fresh.size(); i-- > skip;) {
        ids_.insert(fresh[i].message.id);
        entries_.push_front(std::move(fresh[i]));
    }
    return fresh.size() - skip;
}

LogEntry* RoomLog::find(const std::string& id) {
    if (!contains(id)) return nullptr;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->message.id == id) return &*it;
    return nullptr;
}

std::string RoomLog::oldest_id() const {
    for (const auto& e : entries_)
        if (e.message.kind != MessageKind::notice) return e.message.id;
    return {};
}

std::string RoomLog::newest_id() const {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->message.kind != MessageKind::notice) return it->message.id;
    return {};
}

}  // namespace mqchat
