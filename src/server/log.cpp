// stderr logging for mqchatd.
#include "log.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/sanitize.hpp"

namespace mqchat::server {

void log_line(std::string_view text) {
    std::string line = "mqchatd: " + sanitize(text, Newlines::fold) + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere left to report to
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace mqchat::server
