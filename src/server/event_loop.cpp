// epoll, eventfd and accept pausing.
#include "event_loop.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mqchat::server::net {
namespace {

constexpr std::int64_t kAcceptPauseMs = 100;

bool out_of_descriptors(int error) {
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Poller::Poller()
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (epoll_fd_ < 0 || wake_fd_ < 0)
        throw std::runtime_error(std::string("epoll/eventfd failed: ") + std::strerror(errno));
    add(wake_fd_, EPOLLIN, kWakeTag);
}

Poller::~Poller() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

void Poller::add(int fd, std::uint32_t events, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl failed: ") + std::strerror(errno));
}

void Poller::remove(int fd) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

std::span<const epoll_event> Poller::wait(int timeout_ms) {
    const int n =
        ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
    return {events_.data(), static_cast<std::size_t>(std::max(n, 0))};
}

void Poller::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void Poller::clear_wake() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
}

void Listener::watch(Poller& poller) {
    poller.add(fd_.get(), EPOLLIN, tag_);
}

Accepted Listener::next(Poller& poller, std::int64_t now_ms) {
    Accepted a = accept_one(fd_.get());
    if (a.fd || !out_of_descriptors(a.error)) return a;
    poller.remove(fd_.get());
    resume_at_ = now_ms + kAcceptPauseMs;
    return a;
}

void Listener::resume_if_due(Poller& poller, std::int64_t now_ms) {
    if (resume_at_ < 0 || now_ms < resume_at_) return;
    resume_at_ = -1;
    watch(poller);
}

void IoThread::start(const char* name, std::function<void()> loop) {
    stopping_ = false;
    thread_ = std::thread(std::move(loop));
    pthread_setname_np(thread_.native_handle(), name);
    running_ = true;
}

void IoThread::stop(Poller& poller) {
    if (!thread_.joinable()) return;
    stopping_ = true;
    poller.wake();
    join();
}

void IoThread::join() {
    if (thread_.joinable()) thread_.join();
    running_ = false;
}

std::string describe(const ServerCounters& c) {
    return std::to_string(c.open.load()) + " open, " + std::to_string(c.refused_by_cap.load()) +
           " refused by a cap, " + std::to_string(c.closed_by_deadline.load()) +
           " closed at a deadline";
}

int sooner_timeout(int timeout, std::int64_t at, std::int64_t now_ms) {
    if (at < 0) return timeout;
    const auto wait = static_cast<int>(std::clamp<std::int64_t>(at - now_ms, 0, 60000));
    return timeout < 0 ? wait : std::min(timeout, wait);
}

}  // namespace mqchat::server::net
