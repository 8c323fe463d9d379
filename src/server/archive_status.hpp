// What the serve loop knows about the archive, shared with the HTTP threads:
// open or closed (and why), and how far the archiver has got, so a history
// answer can wait for what the archiver had received when it was asked.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace mqchat::server {

// At most this many HTTP requests wait at once; beyond it they answer at
// once, so waiting requests cannot take every HTTP thread.
inline constexpr int kMaxArchiveWaiters = 4;

class ArchiveStatus {
  public:
    using Deadline = std::chrono::steady_clock::time_point;

    // --- the serve loop
    void set_open();
    // `passing`: the archive gets over it by itself (a backlog, a lock another
    // process holds for a moment), so a refused sender should wait and retry.
    void set_closed(std::string reason, bool passing);
    // PUBLISHes read from the broker.
    void note_received(std::uint64_t count);
    // Received PUBLISHes that are done with: committed, or left to the
    // broker to deliver again (the connection was lost before the commit).
    void note_settled(std::uint64_t count);

    // --- any thread
    std::optional<std::string> closed_reason() const;  // empty: open
    // Closed for a passing reason now, or was a moment ago: a publish refused
    // then was refused for that reason (the broker only says "not authorized").
    bool retry_advised() const;
    std::uint64_t received() const;
    std::uint64_t settled() const;
    // Waits until `settled() >= target` or the deadline; false when it gave up
    // (the deadline, or too many requests waiting already).
    bool wait_settled(std::uint64_t target, Deadline deadline);

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<std::string> closed_reason_;
    bool passing_ = false;
    std::chrono::steady_clock::time_point passing_seen_{};  // last closed for a passing reason
    std::uint64_t received_ = 0;
    std::uint64_t settled_ = 0;
    int waiters_ = 0;
};

}  // namespace mqchat::server
