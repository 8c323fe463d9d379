// A few threads that run jobs from a bounded queue: the HTTP routes (a login
// hashes a password for ~100 ms) run here, never on the I/O thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mqchat::server {

class WorkerPool {
  public:
    WorkerPool(std::size_t threads, std::size_t max_queued, std::string thread_name);
    // Drops the jobs still queued (their clients are being disconnected) and
    // joins once the running ones are done.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues `job`; false (and `job` dropped) when max_queued jobs are waiting.
    bool try_submit(std::function<void()> job);

  private:
    void run();

    const std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace mqchat::server
