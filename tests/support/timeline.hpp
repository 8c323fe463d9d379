// When each line of some children's stderr appeared: a thread polls the
// processes it watches and stamps every new line, so a test can tell how long
// a client took to notice a fault and to be back (reported, never asserted).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace testsupport {

class Timeline {
  public:
    using Clock = std::chrono::steady_clock;

    Timeline();
    ~Timeline();  // stops polling; call it (or stop()) before the watched processes go
    Timeline(const Timeline&) = delete;
    Timeline& operator=(const Timeline&) = delete;

    // Stamps `process`'s stderr lines from now on; it must outlive the polling.
    void watch(const std::string& name, const Process& process);
    void stop();

    // Seconds from `from` to the first line of `name` after it that holds one
    // of `needles`, or nothing.
    std::optional<double> seconds_to(const std::string& name, Clock::time_point from,
                                     const std::vector<std::string>& needles) const;

  private:
    struct Watched {
        std::string name;
        const Process* process;
        std::size_t seen = 0;  // bytes of stderr already stamped
    };
    struct Line {
        std::string name;
        Clock::time_point at;
        std::string text;
    };
    void poll_once();

    mutable std::mutex mutex_;
    std::vector<Watched> watched_;
    std::vector<Line> lines_;
    bool stopping_ = false;
    std::thread thread_;
};

// "1.2 0.8 -": one figure per client, for a case's summary.
std::string seconds_list(const std::vector<std::optional<double>>& seconds);

}  // namespace testsupport
