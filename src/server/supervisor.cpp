// fork/exec of mosquitto, reaping, restart scheduling and giving up at startup.
#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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

// How much of the log's end is read for a failure cause.
constexpr std::uintmax_t kMaxLogTail = 64 * 1024;

std::string seconds_text(std::int64_t ms) {
    return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

std::string_view trimmed(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.remove_suffix(1);
    return line;
}

// "2026-11-24T07:33:28: text" (log_timestamp_format) or "1732412345: text"
// (mosquitto's default): the text.
std::string_view without_timestamp(std::string_view line) {
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos || colon == 0) return line;
    const bool stamp =
        line.substr(0, colon).find_first_not_of("0123456789-T:") == std::string_view::npos;
    return stamp ? line.substr(colon + 2) : line;
}

bool reports_error(std::string_view line) {
    return line.find("Error") != std::string_view::npos ||
           line.find("error") != std::string_view::npos;
}

std::uintmax_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

// What was appended to `path` since `offset` (all of it when the file shrank),
// at most the last kMaxLogTail bytes.
std::string read_tail(const std::string& path, std::uintmax_t offset) {
    const std::uintmax_t size = file_size_or_zero(path);
    if (size < offset) offset = 0;
    if (size - offset > kMaxLogTail) offset = size - kMaxLogTail;
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string text(static_cast<std::size_t>(size - offset), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return text;
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

std::string broker_failure_cause(std::string_view log_tail) {
    std::string_view last_error;
    std::string_view last_line;
    while (!log_tail.empty()) {
        const auto end = log_tail.find('\n');
        const std::string_view line = trimmed(log_tail.substr(0, end));
        log_tail.remove_prefix(end == std::string_view::npos ? log_tail.size() : end + 1);
        if (line.empty()) continue;
        last_line = line;
        if (reports_error(line)) last_error = line;
    }
    std::string_view cause = without_timestamp(last_error.empty() ? last_line : last_error);
    if (cause.starts_with("Error: ")) cause.remove_prefix(7);
    return std::string(cause);
}

BrokerSupervisor::BrokerSupervisor(std::string mosquitto_bin, std::string config_path,
                                   std::string log_file)
    : bin_(std::move(mosquitto_bin)),
      config_path_(std::move(config_path)),
      log_file_(std::move(log_file)) {}

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
    log_offset_ = file_size_or_zero(log_file_);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) exec_child(argv.data(), parent);
    pid_ = pid;
    started_at_ = now_mono_ms;
    restart_at_ = -1;
    log_line("broker started (pid " + std::to_string(pid) + ")");
}

// Only a broker that exited by itself has logged why; after a signal, an old
// error line in its log would mislead.
std::string BrokerSupervisor::cause_from_log(int status) const {
    if (!WIFEXITED(status)) return {};
    return broker_failure_cause(read_tail(log_file_, log_offset_));
}

// True when this death before ready was one too many: no restart then.
bool BrokerSupervisor::count_startup_failure(int status, std::int64_t ran_ms) {
    if (ready_) return false;
    startup_failures_ = ran_ms >= kStableRunMs ? 1 : startup_failures_ + 1;
    if (startup_failures_ < kMaxStartupFailures) return false;
    gave_up_ = true;
    const std::string cause = cause_from_log(status);
    failure_ = "the broker could not start" + (cause.empty() ? "" : ": " + cause) + " (it " +
               describe_status(status) + ", " + std::to_string(startup_failures_) +
               " times in a row; its log: " + log_file_ + ")";
    return true;
}

void BrokerSupervisor::on_exit(int status, std::int64_t now_mono_ms) {
    pid_ = -1;
    if (stopping_) return;
    const std::int64_t ran_ms = now_mono_ms - started_at_;
    if (count_startup_failure(status, ran_ms)) return;
    if (ran_ms >= kStableRunMs) backoff_ms_ = kFirstBackoffMs;
    restart_at_ = now_mono_ms + backoff_ms_;
    const std::string cause = cause_from_log(status);
    log_line("broker " + describe_status(status) + (cause.empty() ? "" : ": " + cause) +
             " (its log: " + log_file_ + "); restarting in " + seconds_text(backoff_ms_));
    backoff_ms_ = next_backoff_ms(backoff_ms_);
    ++restarts_;
}

void BrokerSupervisor::tick(std::int64_t now_mono_ms) {
    if (pid_ > 0) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) on_exit(status, now_mono_ms);
    }
    if (pid_ < 0 && !stopping_ && !gave_up_ && restart_at_ >= 0 && now_mono_ms >= restart_at_) {
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
