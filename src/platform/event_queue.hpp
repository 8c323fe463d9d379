// The hand-off from library threads (Paho, later curl) to the main loop: a
// locked queue whose eventfd wakes poll(). Producers never block on consumers.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace mqchat::platform {

template <typename Event>
class EventQueue {
  public:
    EventQueue() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
        if (fd_ < 0) throw std::runtime_error("eventfd failed");
    }
    ~EventQueue() { ::close(fd_); }
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    // Thread-safe; wakes the loop only on the empty -> non-empty transition.
    void push(Event event) {
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            wake = events_.empty();
            events_.push_back(std::move(event));
        }
        if (wake) {
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
        }
    }

    // Moves every queued event into `out` (appending) and re-arms the fd.
    void drain(std::vector<Event>& out) {
        std::uint64_t counter = 0;
        [[maybe_unused]] auto n = ::read(fd_, &counter, sizeof counter);
        std::lock_guard lock(mutex_);
        for (auto& e : events_)
            out.push_back(std::move(e));
        events_.clear();
    }

    int fd() const { return fd_; }

  private:
    int fd_;
    std::mutex mutex_;
    std::deque<Event> events_;
};

}  // namespace mqchat::platform
