// When the broker refuses our messages for something that passes (the
// server's archive catching up), they go back into the outbox and sending
// pauses: 250 ms, doubling up to 2 s, back to the start once a message is
// acknowledged. While the server is being asked why, nothing goes out either.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace mqchat {

class PublishPause {
  public:
    static constexpr std::int64_t kFirstMs = 250;
    static constexpr std::int64_t kLongestMs = 2000;
    // How long one answer from the server stands for later refusals.
    static constexpr std::int64_t kAnswerMs = 1000;

    // A refusal: true when the server should be asked why (not asked lately).
    bool refused(std::int64_t now_ms) {
        if (asking_) return false;
        if (answered_at_ >= 0 && now_ms - answered_at_ < kAnswerMs && retrying_) {
            wait(now_ms);
            return false;
        }
        asking_ = true;
        return true;
    }
    // The server's answer to the question refused() asked for.
    void answered(bool retry, std::int64_t now_ms) {
        asking_ = false;
        answered_at_ = now_ms;
        retrying_ = retry;
        if (retry) wait(now_ms);
    }
    void acknowledged() {
        delay_ = kFirstMs;
        retrying_ = false;
    }

    bool asking() const { return asking_; }
    bool paused(std::int64_t now_ms) const { return asking_ || now_ms < until_; }
    // When sending may resume by itself; nullopt: not paused on a timer.
    std::optional<std::int64_t> deadline(std::int64_t now_ms) const {
        if (now_ms >= until_) return std::nullopt;
        return until_;
    }
    // Refusals are being waited out (for the -W message and the chat's notice).
    bool retrying() const { return retrying_; }

  private:
    void wait(std::int64_t now_ms) {
        until_ = std::max(until_, now_ms + delay_);
        delay_ = std::min(delay_ * 2, kLongestMs);
    }

    std::int64_t delay_ = kFirstMs;
    std::int64_t until_ = 0;
    std::int64_t answered_at_ = -1;
    bool asking_ = false;
    bool retrying_ = false;
};

}  // namespace mqchat
