// When the broker refuses our messages for something that passes (the
// server's archive catching up, the account's publish rate), they go back
// into the outbox and sending pauses: 250 ms, doubling up to 2 s, back to the
// start once a message is acknowledged. While the server is being asked why,
// nothing goes out either. Once the server's rate is known, PublishPace keeps
// a backlog under it, so that it drains instead of being refused again.
#pragma once

#include <algorithm>
#include <cstddef>
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

// A token bucket at 90% of the server's per-account publish rate, started
// empty (the refusal says the server's own bucket is empty too). Unlimited
// until limit() is called.
class PublishPace {
  public:
    void limit(std::int64_t per_second, std::int64_t burst, std::int64_t now_ms) {
        if (per_second <= 0) return;
        per_second_ = std::max<std::int64_t>(1, per_second * 9 / 10);
        // Half the server's burst at most: what we save up must not empty it.
        capacity_ = std::max<std::int64_t>(1, std::min<std::int64_t>(burst / 2, per_second_));
        milli_tokens_ = 0;
        at_ms_ = now_ms;
    }
    bool limited() const { return per_second_ > 0; }
    // How many publishes may go out now (SIZE_MAX when unlimited).
    std::size_t available(std::int64_t now_ms) {
        if (!limited()) return SIZE_MAX;
        refill(now_ms);
        return static_cast<std::size_t>(milli_tokens_ / 1000);
    }
    void spent(std::size_t n) {
        if (limited()) milli_tokens_ -= static_cast<std::int64_t>(n) * 1000;
    }
    // When the next publish may go out, if none may now.
    std::optional<std::int64_t> deadline(std::int64_t now_ms) {
        if (available(now_ms) > 0 || !limited()) return std::nullopt;
        return now_ms + (1000 - milli_tokens_ + per_second_ - 1) / per_second_;
    }

  private:
    void refill(std::int64_t now_ms) {
        if (now_ms <= at_ms_) return;
        milli_tokens_ = std::min(milli_tokens_ + (now_ms - at_ms_) * per_second_, capacity_ * 1000);
        at_ms_ = now_ms;
    }

    std::int64_t per_second_ = 0;  // 0: unlimited
    std::int64_t capacity_ = 0;
    std::int64_t milli_tokens_ = 0;  // thousandths of a publish
    std::int64_t at_ms_ = 0;
};

}  // namespace mqchat
