// Waiting for the next thing to do, for every session loop.
#include "session_ports.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "tui/terminal.hpp"

namespace mqchat::app {

std::unique_ptr<tui::Display> make_terminal_display(bool color) {
    return std::make_unique<tui::Terminal>(color);
}

std::vector<bool> wait_readable(const std::vector<int>& fds, int timeout_ms) {
    std::vector<pollfd> pfds;
    pfds.reserve(fds.size());
    for (int fd : fds)
        pfds.push_back({fd, POLLIN, 0});
    int n = ::poll(pfds.data(), pfds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) n = 0;
    std::vector<bool> ready(fds.size(), false);
    for (std::size_t i = 0; i < pfds.size(); ++i)
        ready[i] = n > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR));
    return ready;
}

int timeout_until(std::initializer_list<std::optional<std::int64_t>> deadlines, std::int64_t now_ms,
                  int cap) {
    std::int64_t timeout = cap;
    for (const auto& d : deadlines)
        if (d) timeout = std::min(timeout, std::max<std::int64_t>(0, *d - now_ms));
    return static_cast<int>(timeout);
}

}  // namespace mqchat::app
