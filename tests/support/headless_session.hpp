// What the headless session tests share: a private state and config home,
// plans made from a command line exactly as mqchat makes them, and a session
// loop (run_chat, run_send) on its own thread that always ends.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "app/plan.hpp"
#include "app/session_store.hpp"
#include "support/fake_http.hpp"
#include "support/temp_dir.hpp"

namespace mqchat::fakes {

// Points XDG_STATE_HOME (the outbox, the session file) and XDG_CONFIG_HOME
// into a scratch directory and drops MQCHAT_SERVER for as long as it lives.
class PrivateHome {
  public:
    PrivateHome();
    ~PrivateHome();
    PrivateHome(const PrivateHome&) = delete;
    PrivateHome& operator=(const PrivateHome&) = delete;

    std::string outbox_dir() const { return dir_.path() + "/state/mqchat/outbox"; }
    const std::string& path() const { return dir_.path(); }

  private:
    TempDir dir_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// mqchat's own parsing and validation of `args` (without the program name):
// the plan, or the one-line refusal.
std::variant<app::Plan, std::string> plan_from_args(std::vector<std::string> args);

// A fake mqchatd whose token route gives alice the token "broker-token-1"
// for mqtt://127.0.0.1:1883 (refresh in 2098); tests add their own routes.
std::unique_ptr<FakeHttp> fake_mqchatd();
// alice's stored login at that server (session "session-secret").
app::StoredSession alice_login();

// Runs `session` (returning an exit code) on a new thread. Create it after
// the test's platform::SignalWatcher, so the thread blocks the same signals:
// then a SIGTERM sent to it lands on the watcher's fd and ends the loop the
// way Ctrl-C would, which is how the destructor ends a session still running.
class SessionThread {
  public:
    explicit SessionThread(std::function<int()> session);
    ~SessionThread();
    SessionThread(const SessionThread&) = delete;
    SessionThread& operator=(const SessionThread&) = delete;

    // The exit code once the session has returned; nullopt after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // As if the user pressed Ctrl-C.
    void interrupt();

  private:
    std::future<int> result_;
    std::thread thread_;
    std::optional<int> code_;
};

}  // namespace mqchat::fakes
