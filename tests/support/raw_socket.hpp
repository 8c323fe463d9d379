// Plain TCP sockets for tests that act like hostile or hand-made clients:
// connected from a chosen loopback source address (Linux routes all of
// 127/8 to lo, so 127.0.0.2..9 look like other machines to a server),
// sending exact bytes, reading with deadlines, noticing when the server
// closes them.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"

namespace testsupport {

class RawSocket {
  public:
    // Connects to `host`:`port` (IPv4 or IPv6 literal) from `source` (an
    // IPv4 address; empty: the kernel's choice). Throws when it cannot.
    RawSocket(const std::string& host, int port, const std::string& source = "");
    ~RawSocket();
    RawSocket(RawSocket&& other) noexcept;
    RawSocket& operator=(RawSocket&&) = delete;
    RawSocket(const RawSocket&) = delete;

    bool send(std::string_view bytes);
    // Reads until `done(everything read so far)`, the server closes, or the deadline.
    std::string read_until(const std::function<bool(const std::string&)>& done,
                           std::chrono::milliseconds deadline = kDeadline);
    // Reads what is there without waiting; true once the server has closed
    // (end of stream or reset). What was read is appended to received().
    bool poll_closed();
    // Polls until the server has closed it.
    bool wait_closed(std::chrono::milliseconds deadline = kDeadline);
    const std::string& received() const { return received_; }
    bool closed() const { return closed_; }

  private:
    int fd_ = -1;
    bool closed_ = false;
    std::string received_;
};

// errno of a connect to `host`:`port` (0: it connected).
int connect_error(const std::string& host, int port);

// Polls all of `sockets` until every one is closed by the server.
bool wait_all_closed(std::vector<RawSocket>& sockets,
                     std::chrono::milliseconds deadline = kDeadline);
std::size_t count_closed(std::vector<RawSocket>& sockets);

// The soft file descriptor limit raised to the hard one: tests that open a
// thousand sockets need more than the usual 1024.
void raise_fd_limit();

}  // namespace testsupport
