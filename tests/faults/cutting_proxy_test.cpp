// The cutting proxy itself, against an echo server: each mode does what the
// fault cases rely on (pass forwards, reset sends RSTs, blackhole holds bytes
// until passing again, trickle forwards a byte at a time).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "fault_world.hpp"
#include "support/cutting_proxy.hpp"

namespace faults {
namespace {

// Echoes every byte on each connection, one thread per connection.
class EchoServer {
  public:
    EchoServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0;)
                std::thread([c] {
                    char buf[4096];
                    for (ssize_t n; (n = ::read(c, buf, sizeof buf)) > 0;)
                        if (::send(c, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
                    ::close(c);
                }).detach();
        });
    }
    ~EchoServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// One read, waiting up to `wait`: the bytes, or "" on a timeout; -errno as
// text when the read fails.
std::string read_some(int fd, std::chrono::milliseconds wait) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return "";
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) return "error " + std::to_string(errno);
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string read_exactly(int fd, std::size_t n) {
    std::string got;
    while (got.size() < n) {
        const std::string more = read_some(fd, kDeadline);
        if (more.empty() || more.starts_with("error")) break;
        got += more;
    }
    return got;
}

void send_text(int fd, const std::string& text) {
    ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
}

// An echo server behind a proxy.
class CuttingProxyTest : public ::testing::Test {
  protected:
    EchoServer echo;
    CuttingProxy proxy{echo.port()};
};

TEST_F(CuttingProxyTest, PassForwardsBothWays) {
    const int fd = connect_to(proxy.port());
    send_text(fd, "hello");
    EXPECT_EQ(read_exactly(fd, 5), "hello");
    ::close(fd);
}

TEST_F(CuttingProxyTest, ResetSendsAnRstToOpenAndNewConnections) {
    const int open = connect_to(proxy.port());
    send_text(open, "x");
    ASSERT_EQ(read_exactly(open, 1), "x");
    proxy.set_mode(ProxyMode::reset);
    EXPECT_EQ(read_some(open, kDeadline), "error " + std::to_string(ECONNRESET));
    const int fresh = connect_to(proxy.port());
    EXPECT_EQ(read_some(fresh, kDeadline), "error " + std::to_string(ECONNRESET));
    proxy.set_mode(ProxyMode::pass);
    const int later = connect_to(proxy.port());
    send_text(later, "back");
    EXPECT_EQ(read_exactly(later, 4), "back");
    for (const int fd : {open, fresh, later})
        ::close(fd);
}

TEST_F(CuttingProxyTest, BlackholeHoldsBytesUntilPassingAgain) {
    const int fd = connect_to(proxy.port());
    proxy.set_mode(ProxyMode::blackhole);
    send_text(fd, "held");
    EXPECT_EQ(read_some(fd, 500ms), "");
    const int held = connect_to(proxy.port());  // accepted, and never forwarded
    ASSERT_GE(held, 0);
    send_text(held, "new");
    EXPECT_EQ(read_some(held, 500ms), "");
    proxy.set_mode(ProxyMode::pass);
    EXPECT_EQ(read_exactly(fd, 4), "held");
    EXPECT_EQ(read_exactly(held, 3), "new");
    ::close(fd);
    ::close(held);
}

TEST_F(CuttingProxyTest, TrickleForwardsOneByteAtATime) {
    const int fd = connect_to(proxy.port());
    proxy.set_mode(ProxyMode::trickle, 200ms);
    send_text(fd, "abcd");
    // Each read finds one byte: the next is still on its way.
    for (const char* expected : {"a", "b", "c", "d"})
        EXPECT_EQ(read_some(fd, kDeadline), expected);
    ::close(fd);
}

}  // namespace
}  // namespace faults
