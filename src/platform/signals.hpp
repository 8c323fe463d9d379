// Signals as file descriptor events, so the main loop sees Ctrl-C in poll().
#pragma once

#include <initializer_list>

namespace mqchat::platform {

// Blocks SIGINT, SIGTERM and SIGHUP (and `also`, e.g. SIGCHLD for a
// supervisor that must notice a dead child at once) in this thread and every
// thread created after it (construct it first, before any library starts
// threads), ignores SIGPIPE (write errors are handled where they happen),
// and delivers the blocked signals through a signalfd.
class SignalWatcher {
  public:
    explicit SignalWatcher(std::initializer_list<int> also = {});
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    int fd() const { return fd_; }
    // The pending signal number, or 0 when none is pending.
    int take();

  private:
    int fd_ = -1;
};

}  // namespace mqchat::platform
