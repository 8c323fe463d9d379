// Stamping children's stderr lines as they appear (polled every 20 ms).
#include "timeline.hpp"

#include "support/delivery_count.hpp"

namespace testsupport {
namespace {
constexpr auto kPollEvery = std::chrono::milliseconds(20);
}  // namespace

Timeline::Timeline() {
    thread_ = std::thread([this] {
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            poll_once();
            std::this_thread::sleep_for(kPollEvery);
        }
    });
}

Timeline::~Timeline() {
    stop();
}

void Timeline::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
}

void Timeline::watch(const std::string& name, const Process& process) {
    std::lock_guard lock(mutex_);
    watched_.push_back({name, &process, process.err().size()});
}

void Timeline::poll_once() {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    for (auto& w : watched_) {
        const std::string err = w.process->err();
        for (std::size_t nl; (nl = err.find('\n', w.seen)) != std::string::npos; w.seen = nl + 1)
            lines_.push_back({w.name, now, err.substr(w.seen, nl - w.seen)});
    }
}

std::optional<double> Timeline::seconds_to(const std::string& name, Clock::time_point from,
                                           const std::vector<std::string>& needles) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
        if (line.name != name || line.at < from) continue;
        for (const auto& needle : needles)
            if (line.text.find(needle) != std::string::npos)
                return std::chrono::duration<double>(line.at - from).count();
    }
    return std::nullopt;
}

std::string seconds_list(const std::vector<std::optional<double>>& seconds) {
    std::string out;
    for (const auto& s : seconds)
        out += (out.empty() ? "" : " ") + seconds_text(s);
    return out.empty() ? "-" : out;
}

}  // namespace testsupport
