// The plumbing shared by mqchatd's single-threaded network servers (the HTTP
// server and the MQTT front): epoll with a wake-up other threads can ring,
// listeners that survive running out of file descriptors, and the counters
// the servers expose for logs and tests.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <thread>

#include "net.hpp"

namespace mqchat::server::net {

class Poller {
  public:
    // The tag wait() reports for wake().
    static constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};

    Poller();
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    void add(int fd, std::uint32_t events, std::uint64_t tag);
    void remove(int fd);
    // Waits up to `timeout_ms` (-1: until something happens).
    std::span<const epoll_event> wait(int timeout_ms);
    // Thread-safe: makes the current or next wait() return kWakeTag.
    void wake();
    // After wait() reported kWakeTag: re-arms the wake-up.
    void clear_wake();

  private:
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::array<epoll_event, 256> events_{};
};

// A listening socket in a Poller. When accept() fails for lack of file
// descriptors or memory the pending connection stays queued and epoll would
// report it again at once, spinning: the listener then pauses for a moment.
class Listener {
  public:
    Listener(Fd fd, std::uint64_t tag) : fd_(std::move(fd)), tag_(tag) {}

    void watch(Poller& poller);
    int fd() const { return fd_.get(); }
    std::uint64_t tag() const { return tag_; }

    // The next accepted connection, or an empty one when there is none now
    // (the listener may have paused itself: see resume_if_due).
    Accepted next(Poller& poller, std::int64_t now_ms);
    void resume_if_due(Poller& poller, std::int64_t now_ms);
    // Monotonic ms when a paused listener resumes; -1 when it is not paused.
    std::int64_t resume_at() const { return resume_at_; }

  private:
    Fd fd_;
    std::uint64_t tag_;
    std::int64_t resume_at_ = -1;
};

// The one thread of such a server: runs its loop, which polls stopping(),
// until stop() asks it to end and wakes its Poller.
class IoThread {
  public:
    ~IoThread() { join(); }
    // Starts `loop` on a thread named `name` (top -H, /proc/PID/task/*/comm).
    void start(const char* name, std::function<void()> loop);
    // Asks the loop to end, wakes it and waits for it. Idempotent.
    void stop(Poller& poller);
    bool running() const { return running_.load(); }
    bool stopping() const { return stopping_.load(); }

  private:
    void join();
    std::thread thread_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
};

// What a server counts, for logs and tests; written by its I/O thread.
struct ServerCounters {
    std::atomic<std::uint64_t> open{0};                // connections open now
    std::atomic<std::uint64_t> refused_by_cap{0};      // beyond a connection cap
    std::atomic<std::uint64_t> closed_by_deadline{0};  // too slow to send what they must
};

// "12 open, 3 refused by a cap, 1 closed at a deadline".
std::string describe(const ServerCounters& counters);

// Milliseconds until `at` (monotonic) as an epoll timeout, folded into `timeout`.
int sooner_timeout(int timeout, std::int64_t at, std::int64_t now_ms);

}  // namespace mqchat::server::net
