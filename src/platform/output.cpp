// Draining the output buffer to its file descriptor.
#include "output.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mqchat::platform {

Output::Status Output::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {  // a non-blocking stdout: wait until writable
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, 1000);
            continue;
        }
        const int err = errno;
        buffer_.clear();
        if (err == EPIPE) return Status::closed;
        error_ = std::strerror(err);
        return Status::failed;
    }
    buffer_.clear();
    return Status::ok;
}

}  // namespace mqchat::platform
