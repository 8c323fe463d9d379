// The cutting proxy's event loop: one thread, non-blocking sockets, poll().
#include "cutting_proxy.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>
#include <vector>

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kPassBuffer = 256 * 1024;
// Small while trickling, so the sender's own socket fills up and it feels the
// slow path instead of the proxy swallowing everything at once.
constexpr std::size_t kTrickleBuffer = 4 * 1024;
constexpr int kPollCapMs = 100;

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// Close with an RST instead of a FIN: SO_LINGER with a zero timeout.
void close_with_rst(int fd) {
    if (fd < 0) return;
    const linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
}

int connect_upstream(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in addr = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    set_nonblocking(fd);
    return fd;
}

}  // namespace

// Bytes on their way in one direction.
struct Direction {
    std::string buffer;
    bool eof = false;   // the source said FIN
    bool shut = false;  // the FIN was passed on
    Clock::time_point next_byte{};
};

struct CuttingProxy::Link {
    int client = -1;
    int upstream = -1;  // opened when forwarding starts: a held connection never reaches it
    Direction up;       // client -> upstream
    Direction down;     // upstream -> client
    bool broken = false;

    void reset() {
        close_with_rst(client);
        close_with_rst(upstream);
        client = upstream = -1;
        broken = true;
    }
    bool done() const { return broken || (up.shut && down.shut); }
    ~Link() {
        if (client >= 0) ::close(client);
        if (upstream >= 0) ::close(upstream);
    }
};

namespace {

// Reads what `from` has into `d` (up to `cap` buffered); false when the
// connection broke.
bool read_side(int from, Direction& d, std::size_t cap) {
    char buf[64 * 1024];
    while (!d.eof && d.buffer.size() < cap) {
        const std::size_t want = std::min(sizeof buf, cap - d.buffer.size());
        const ssize_t n = ::read(from, buf, want);
        if (n > 0) {
            d.buffer.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) {
            d.eof = true;
            break;
        }
        if (errno == EAGAIN || errno == EINTR) break;
        return false;
    }
    return true;
}

// Writes `d`'s bytes to `to`: all it takes, or one byte when trickling and
// it is time for the next. False when the connection broke.
bool write_side(int to, Direction& d, bool trickle, std::chrono::milliseconds interval) {
    if (!d.buffer.empty()) {
        if (trickle && Clock::now() < d.next_byte) return true;
        const std::size_t want = trickle ? 1 : d.buffer.size();
        const ssize_t n = ::send(to, d.buffer.data(), want, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        d.buffer.erase(0, static_cast<std::size_t>(n));
        if (trickle) d.next_byte = Clock::now() + interval;
    }
    if (d.eof && d.buffer.empty() && !d.shut) {
        ::shutdown(to, SHUT_WR);
        d.shut = true;
    }
    return true;
}

short wanted_events(const Direction& in, const Direction& out, std::size_t cap, bool trickle) {
    short events = 0;
    if (!in.eof && in.buffer.size() < cap) events |= POLLIN;
    if (!out.buffer.empty() && (!trickle || Clock::now() >= out.next_byte)) events |= POLLOUT;
    return events;
}

}  // namespace

std::string to_string(ProxyMode mode) {
    switch (mode) {
        case ProxyMode::pass:
            return "pass";
        case ProxyMode::reset:
            return "reset";
        case ProxyMode::blackhole:
            return "blackhole";
        case ProxyMode::trickle:
            return "trickle";
    }
    return "?";
}

CuttingProxy::CuttingProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in addr = loopback(0);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 128) != 0)
        throw std::runtime_error(std::string("proxy: cannot listen: ") + std::strerror(errno));
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_ = std::thread([this] { loop(); });
}

CuttingProxy::~CuttingProxy() {
    stopping_ = true;
    wake();
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_fd_);
}

void CuttingProxy::set_mode(ProxyMode mode, std::chrono::milliseconds trickle_interval) {
    trickle_ms_ = trickle_interval.count();
    mode_ = mode;
    wake();
}

void CuttingProxy::wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void CuttingProxy::loop() {
    std::list<Link> links;
    ProxyMode applied = ProxyMode::pass;
    std::vector<pollfd> fds;
    while (!stopping_) {
        const ProxyMode mode = mode_.load();
        const bool forwarding = mode == ProxyMode::pass || mode == ProxyMode::trickle;
        const bool trickle = mode == ProxyMode::trickle;
        const auto interval = std::chrono::milliseconds(trickle_ms_.load());
        const std::size_t cap = trickle ? kTrickleBuffer : kPassBuffer;
        if (mode == ProxyMode::reset && applied != ProxyMode::reset)
            for (auto& link : links)
                link.reset();
        applied = mode;
        if (forwarding)
            for (auto& link : links)
                if (!link.broken && link.upstream < 0 &&
                    (link.upstream = connect_upstream(target_port_)) < 0)
                    link.reset();
        links.remove_if([](const Link& l) { return l.done(); });

        // Held links are not polled at all: their bytes wait in the kernel.
        fds.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
        for (const auto& link : links) {
            fds.push_back({forwarding ? link.client : -1,
                           wanted_events(link.up, link.down, cap, trickle), 0});
            fds.push_back({forwarding ? link.upstream : -1,
                           wanted_events(link.down, link.up, cap, trickle), 0});
        }
        const int timeout = trickle ? static_cast<int>(std::min<long long>(
                                          kPollCapMs, std::max<long long>(1, interval.count())))
                                    : kPollCapMs;
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;

        if (fds[0].revents) {
            std::uint64_t drained;
            [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
        }
        if (fds[1].revents & POLLIN) {
            for (int fd; (fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) {
                ++accepted_;
                if (mode_.load() == ProxyMode::reset) {
                    close_with_rst(fd);
                    continue;
                }
                set_nonblocking(fd);
                links.emplace_back().client = fd;
                break;  // its pollfd slots are set up on the next round
            }
        }
        if (!forwarding) continue;
        std::size_t i = 2;
        for (auto& link : links) {
            if (i + 1 >= fds.size()) break;  // accepted this round
            const bool client_ready = fds[i].revents != 0;
            const bool upstream_ready = fds[i + 1].revents != 0;
            i += 2;
            if (link.broken || (!client_ready && !upstream_ready && !trickle)) continue;
            const bool ok = read_side(link.client, link.up, cap) &&
                            read_side(link.upstream, link.down, cap) &&
                            write_side(link.upstream, link.up, trickle, interval) &&
                            write_side(link.client, link.down, trickle, interval);
            if (!ok) link.reset();  // one side broke: the other gets an RST too
        }
    }
    for (auto& link : links)
        link.reset();
}

}  // namespace testsupport
