// fork/exec of mosquitto, reaping and restart scheduling.
#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "log.hpp"

namespace mqchat::server {
namespace {

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "stopped";
}

std::string seconds_text(std::int64_t ms) {
    return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

// In the child between fork and exec: only async-signal-safe calls, since the
// parent has other threads (HTTP pool, Paho) whose locks may be held.
[[noreturn]] void exec_child(char* const* argv, pid_t parent) {
    // Dies with mqchatd even when mqchatd is SIGKILLed: no orphaned broker
    // holding the ports.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // mqchatd blocks SIGTERM for its signalfd
    for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP})
        ::signal(sig, SIG_DFL);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // stdout carries mqchatd's "ready" alone
    ::close_range(3, ~0U, 0);              // no HTTP sockets or database handles
    ::execv(argv[0], argv);
    static const char msg[] = "mqchatd: cannot execute mosquitto\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
}

}  // namespace

std::int64_t next_backoff_ms(std::int64_t current_ms) {
    return std::min(std::max(current_ms, kFirstBackoffMs / 2) * 2, kMaxBackoffMs);
}

BrokerSupervisor::BrokerSupervisor(std::string mosquitto_bin, std::string config_path,
                                   std::string log_hint)
    : bin_(std::move(mosquitto_bin)),
      config_path_(std::move(config_path)),
      log_hint_(std::move(log_hint)) {}

BrokerSupervisor::~BrokerSupervisor() {
    stop(std::chrono::seconds(5));
}

void BrokerSupervisor::start(std::int64_t now_mono_ms) {
    stopping_ = false;
    spawn(now_mono_ms);
}

void BrokerSupervisor::spawn(std::int64_t now_mono_ms) {
    std::string flag = "-c";
    std::vector<char*> argv = {bin_.data(), flag.data(), config_path_.data(), nullptr};
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) exec_child(argv.data(), parent);
    pid_ = pid;
    started_at_ = now_mono_ms;
    restart_at_ = -1;
    log_line("broker started (pid " + std::to_string(pid) + ")");
}

void BrokerSupervisor::on_exit(int status, std::int64_t now_mono_ms) {
    pid_ = -1;
    if (stopping_) return;
    if (now_mono_ms - started_at_ >= kStableRunMs) backoff_ms_ = kFirstBackoffMs;
    restart_at_ = now_mono_ms + backoff_ms_;
    log_line("broker " + describe_status(status) + " (its log: " + log_hint_ + "); restarting in " +
             seconds_text(backoff_ms_));
    backoff_ms_ = next_backoff_ms(backoff_ms_);
    ++restarts_;
}

void BrokerSupervisor::tick(std::int64_t now_mono_ms) {
    if (pid_ > 0) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) on_exit(status, now_mono_ms);
    }
    if (pid_ < 0 && !stopping_ && restart_at_ >= 0 && now_mono_ms >= restart_at_) {
        try {
            spawn(now_mono_ms);
        } catch (const std::exception& e) {
            log_line(std::string("cannot restart the broker: ") + e.what());
            restart_at_ = now_mono_ms + backoff_ms_;
        }
    }
}

std::int64_t BrokerSupervisor::wait_hint_ms(std::int64_t now_mono_ms) const {
    if (pid_ > 0 || restart_at_ < 0) return -1;
    return std::max<std::int64_t>(0, restart_at_ - now_mono_ms);
}

void BrokerSupervisor::stop(std::chrono::milliseconds grace) {
    stopping_ = true;
    restart_at_ = -1;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno == ECHILD)) break;
        if (std::chrono::steady_clock::now() >= until) {
            log_line("broker did not stop within the grace period; killing it");
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    log_line("broker stopped");
    pid_ = -1;
}

}  // namespace mqchat::server
