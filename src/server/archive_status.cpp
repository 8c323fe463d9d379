// The archive's state behind a mutex, and the bounded waits on it.
#include "archive_status.hpp"

namespace mqchat::server {
namespace {

// How long after a passing closure ends a refusal is still put down to it:
// the plugin learns of the reopening a moment after mqchatd, and the client
// asks a moment after its refusal.
constexpr std::chrono::seconds kPassingEcho{10};

}  // namespace

void ArchiveStatus::set_open() {
    std::lock_guard lock(mutex_);
    if (closed_reason_ && passing_) passing_seen_ = std::chrono::steady_clock::now();
    closed_reason_.reset();
    passing_ = false;
}

void ArchiveStatus::set_closed(std::string reason, bool passing) {
    std::lock_guard lock(mutex_);
    closed_reason_ = std::move(reason);
    passing_ = passing;
    if (passing) passing_seen_ = std::chrono::steady_clock::now();
}

bool ArchiveStatus::retry_advised() const {
    std::lock_guard lock(mutex_);
    if (closed_reason_) return passing_;
    return passing_seen_ != std::chrono::steady_clock::time_point{} &&
           std::chrono::steady_clock::now() - passing_seen_ < kPassingEcho;
}

void ArchiveStatus::note_received(std::uint64_t count) {
    std::lock_guard lock(mutex_);
    received_ += count;
}

void ArchiveStatus::note_settled(std::uint64_t count) {
    {
        std::lock_guard lock(mutex_);
        settled_ += count;
    }
    changed_.notify_all();
}

std::optional<std::string> ArchiveStatus::closed_reason() const {
    std::lock_guard lock(mutex_);
    return closed_reason_;
}

std::uint64_t ArchiveStatus::received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

std::uint64_t ArchiveStatus::settled() const {
    std::lock_guard lock(mutex_);
    return settled_;
}

bool ArchiveStatus::wait_settled(std::uint64_t target, Deadline deadline) {
    std::unique_lock lock(mutex_);
    if (settled_ >= target) return true;
    if (waiters_ >= kMaxArchiveWaiters) return false;
    ++waiters_;
    const bool done = changed_.wait_until(lock, deadline, [&] { return settled_ >= target; });
    --waiters_;
    return done;
}

}  // namespace mqchat::server
