// The embedded broker as a supervised child: started with `mosquitto -c`,
// restarted with backoff (0.5 s doubling to 10 s) when it dies, stopped on
// shutdown. Driven from mqchatd's main loop; never blocks there except in stop().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace mqchat::server {

inline constexpr std::int64_t kFirstBackoffMs = 500;
inline constexpr std::int64_t kMaxBackoffMs = 10000;
// A child that ran this long before dying counts as healthy: backoff restarts.
inline constexpr std::int64_t kStableRunMs = 30000;

// 500 -> 1000 -> ... -> 10000 (and stays there).
std::int64_t next_backoff_ms(std::int64_t current_ms);

class BrokerSupervisor {
  public:
    BrokerSupervisor(std::string mosquitto_bin, std::string config_path, std::string log_hint);
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

    pid_t pid() const { return pid_; }
    int restarts() const { return restarts_; }

  private:
    void spawn(std::int64_t now_mono_ms);
    void on_exit(int status, std::int64_t now_mono_ms);

    std::string bin_;
    std::string config_path_;
    std::string log_hint_;  // where mosquitto's own log is, for exit messages
    pid_t pid_ = -1;
    std::int64_t started_at_ = 0;
    std::int64_t restart_at_ = -1;  // monotonic ms; -1: no restart pending
    std::int64_t backoff_ms_ = kFirstBackoffMs;
    int restarts_ = 0;
    bool stopping_ = false;
};

}  // namespace mqchat::server
