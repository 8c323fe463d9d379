// A bounded memory of message ids already shown: QoS 1 redelivers, history
// and live overlap, and both must show each message once.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>

namespace mqchat {

class RecentIds {
  public:
    explicit RecentIds(std::size_t capacity = 20000) : capacity_(capacity) {}

    // True the first time an id is seen (and remembers it); false for a repeat.
    bool insert(const std::string& id) {
        if (!seen_.insert(id).second) return false;
        order_.push_back(id);
        if (order_.size() > capacity_) {
            seen_.erase(order_.front());
            order_.pop_front();
        }
        return true;
    }

    bool contains(const std::string& id) const { return seen_.count(id) != 0; }
    // The id remembered `back` insertions before the newest (0: the newest).
    std::optional<std::string> newest_but(std::size_t back) const {
        if (back >= order_.size()) return std::nullopt;
        return order_[order_.size() - 1 - back];
    }
    std::size_t size() const { return order_.size(); }

  private:
    std::size_t capacity_;
    std::deque<std::string> order_;
    std::unordered_set<std::string> seen_;
};

}  // namespace mqchat
