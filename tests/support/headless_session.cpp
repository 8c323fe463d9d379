// Private homes, plans from command lines, and session threads for tests.
#include "support/headless_session.hpp"

#include <pthread.h>
#include <stdlib.h>

#include <csignal>
#include <cstdlib>
#include <sstream>

#include "cli/options.hpp"

namespace mqchat::fakes {

namespace {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

PrivateHome::PrivateHome() {
    for (const char* name : {"XDG_STATE_HOME", "XDG_CONFIG_HOME", "MQCHAT_SERVER"})
        saved_.emplace_back(name, env(name));
    ::setenv("XDG_STATE_HOME", (dir_.path() + "/state").c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", (dir_.path() + "/config").c_str(), 1);
    ::unsetenv("MQCHAT_SERVER");
}

PrivateHome::~PrivateHome() {
    for (const auto& [name, value] : saved_) {
        if (value)
            ::setenv(name.c_str(), value->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
}

std::unique_ptr<FakeHttp> fake_mqchatd() {
    auto server = std::make_unique<FakeHttp>();
    server->route("POST", "/api/mqtt-token", 200,
                  R"({"accessToken":"broker-token-1","tokenId":"t1","username":"alice",)"
                  R"("clientIdPrefix":"mqchat-alice-","expiresAt":"2099-01-01T00:00:00Z",)"
                  R"("refreshAt":"2098-12-31T23:50:00Z",)"
                  R"("brokers":[{"url":"mqtt://127.0.0.1:1883"}]})");
    return server;
}

app::StoredSession alice_login() {
    return {"http://mqchatd.test:8080", "session-secret", "alice", "Alice", ""};
}

std::variant<app::Plan, std::string> plan_from_args(std::vector<std::string> args) {
    args.insert(args.begin(), "mqchat");
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    std::ostringstream out;
    std::ostringstream err;
    const auto parsed =
        cli::parse_command_line(static_cast<int>(argv.size()), argv.data(), out, err);
    if (!parsed.options) return "command line refused: " + err.str();
    auto planned = app::make_plan(*parsed.options, false, true);
    if (auto* e = std::get_if<app::PlanError>(&planned)) return "plan refused: " + e->cause;
    return std::get<app::Plan>(std::move(planned));
}

SessionThread::SessionThread(std::function<int()> session) {
    std::packaged_task<int()> task(std::move(session));
    result_ = task.get_future();
    thread_ = std::thread(std::move(task));
}

SessionThread::~SessionThread() {
    if (!code_ && result_.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        interrupt();
    thread_.join();
}

std::optional<int> SessionThread::wait(std::chrono::milliseconds timeout) {
    if (code_) return code_;
    if (result_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    code_ = result_.get();
    return code_;
}

// Signals the session thread itself: its signalfd reports signals pending for
// the thread that reads it, and no other thread sees this one.
void SessionThread::interrupt() {
    ::pthread_kill(thread_.native_handle(), SIGTERM);
}

}  // namespace mqchat::fakes
