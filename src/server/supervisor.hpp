// The embedded broker as a supervised child process.
// Started with `mosquitto -c`, restarted with backoff (0.5 s doubling to
// 10 s) when it dies, stopped on shutdown. Until mqchatd has been ready once,
// a broker that keeps dying (its port taken, the plugin unloadable) is given
// up on, with the cause from its log, instead of being retried forever.
// Driven from mqchatd's main loop; never blocks there except in stop().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace mqchat::server {

inline constexpr std::int64_t kFirstBackoffMs = 500;
inline constexpr std::int64_t kMaxBackoffMs = 10000;
// A child that ran this long before dying counts as healthy: backoff restarts.
inline constexpr std::int64_t kStableRunMs = 30000;
// Deaths in a row before mqchatd was ever ready that make it give up: about
// 1.5 s of backoff, enough for a port that was just released.
inline constexpr int kMaxStartupFailures = 3;

// 500 -> 1000 -> ... -> 10000 (and stays there).
std::int64_t next_backoff_ms(std::int64_t current_ms);

// Why a broker stopped, from what it appended to its log during its run:
// the last line that reports an error, else the last non-empty line, without
// its timestamp. Empty when there is nothing.
std::string broker_failure_cause(std::string_view log_tail);

class BrokerSupervisor {
  public:
    // `log_file`: where mosquitto logs (its log_dest), read for failure causes.
    BrokerSupervisor(std::string mosquitto_bin, std::string config_path, std::string log_file);
    ~BrokerSupervisor();
    BrokerSupervisor(const BrokerSupervisor&) = delete;
    BrokerSupervisor& operator=(const BrokerSupervisor&) = delete;

    // Starts the child now. Throws std::runtime_error when fork fails.
    void start(std::int64_t now_mono_ms);
    // Reaps a dead child (logging why) and starts a new one once its backoff
    // has passed. Call it often; cheap when nothing happened.
    void tick(std::int64_t now_mono_ms);
    // Milliseconds until tick() has work to do (a restart), or -1 for none.
    std::int64_t wait_hint_ms(std::int64_t now_mono_ms) const;
    // SIGTERM, then SIGKILL after `grace`; reaps. Idempotent.
    void stop(std::chrono::milliseconds grace);

    // mqchatd has been ready: from now on the broker is restarted for as long
    // as mqchatd runs.
    void mark_ready() { ready_ = true; }
    // The broker died kMaxStartupFailures times in a row before ready: no more
    // restarts; failure() says why.
    bool gave_up() const { return gave_up_; }
    const std::string& failure() const { return failure_; }

    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    int restarts() const { return restarts_; }

  private:
    void spawn(std::int64_t now_mono_ms);
    void on_exit(int status, std::int64_t now_mono_ms);
    bool count_startup_failure(int status, std::int64_t ran_ms);
    std::string cause_from_log(int status) const;

    std::string bin_;
    std::string config_path_;
    std::string log_file_;
    std::uintmax_t log_offset_ = 0;  // the log's size when the current child started
    pid_t pid_ = -1;
    std::int64_t started_at_ = 0;
    std::int64_t restart_at_ = -1;  // monotonic ms; -1: no restart pending
    std::int64_t backoff_ms_ = kFirstBackoffMs;
    int restarts_ = 0;
    bool stopping_ = false;
    bool ready_ = false;
    int startup_failures_ = 0;  // deaths in a row before ready
    bool gave_up_ = false;
    std::string failure_;
};

}  // namespace mqchat::server
