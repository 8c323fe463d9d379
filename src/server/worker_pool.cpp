// Condition-variable job queue.
#include "worker_pool.hpp"

#include <pthread.h>

namespace mqchat::server {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued, std::string thread_name)
    : max_queued_(max_queued) {
    for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { run(); });
        // Named for top -H and /proc/PID/task/*/comm (at most 15 characters).
        pthread_setname_np(threads_.back().native_handle(), thread_name.substr(0, 15).c_str());
    }
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    ready_.notify_all();
    for (auto& t : threads_)
        t.join();
}

bool WorkerPool::try_submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() >= max_queued_) return false;
        jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
}

void WorkerPool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

}  // namespace mqchat::server
