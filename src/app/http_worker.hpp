// The TUI's HTTP thread: every call to mqchatd (tokens, history) runs here so
// a slow or dead server never freezes the screen. A job returns what the main
// thread should then do; those closures wait in a queue whose fd wakes poll().
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "platform/event_queue.hpp"

namespace mqchat::app {

class HttpWorker {
  public:
    using Apply = std::function<void()>;  // runs on the main thread
    using Job = std::function<Apply()>;   // runs on the worker thread

    // `cancel` ends a request in flight when the worker is stopped, so that
    // leaving never waits for a slow server.
    explicit HttpWorker(std::function<void()> cancel = {})
        : cancel_(std::move(cancel)), thread_([this] { loop(); }) {}
    ~HttpWorker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        if (cancel_) cancel_();
        thread_.join();
    }
    HttpWorker(const HttpWorker&) = delete;
    HttpWorker& operator=(const HttpWorker&) = delete;

    void post(Job job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(std::move(job));
        }
        wake_.notify_one();
    }

    int fd() const { return results_.fd(); }

    // On the main thread: applies every finished job's result.
    void apply_results() {
        std::vector<Apply> done;
        results_.drain(done);
        for (auto& apply : done)
            if (apply) apply();
    }

  private:
    void loop() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (stopping_) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            results_.push(job());
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    platform::EventQueue<Apply> results_;
    std::function<void()> cancel_;
    std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace mqchat::app
