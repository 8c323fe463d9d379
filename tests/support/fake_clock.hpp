// A clock the test moves by hand for the connection supervisor: monotonic and
// wall time advance together only when told, and the jitter is fixed, so
// every backoff is an exact number.
#pragma once

#include <atomic>
#include <cstdint>

#include "app/connection_supervisor.hpp"

namespace mqchat::fakes {

class FakeClock {
  public:
    explicit FakeClock(std::int64_t wall_start_ms = 1'700'000'000'000, double jitter = 0.5)
        : wall_(wall_start_ms), jitter_(jitter) {}

    void advance(std::int64_t ms) {
        monotonic_ += ms;
        wall_ += ms;
    }
    void set_jitter(double uniform01) { jitter_ = uniform01; }
    std::int64_t monotonic_ms() const { return monotonic_; }
    std::int64_t wall_ms() const { return wall_; }

    // Reads this object: it must outlive whatever holds the clock.
    app::SupervisorClock clock() {
        app::SupervisorClock c;
        c.monotonic_ms = [this] { return monotonic_.load(); };
        c.wall_ms = [this] { return wall_.load(); };
        c.uniform01 = [this] { return jitter_.load(); };
        return c;
    }

  private:
    std::atomic<std::int64_t> monotonic_{1'000'000};
    std::atomic<std::int64_t> wall_;
    std::atomic<double> jitter_;
};

}  // namespace mqchat::fakes
