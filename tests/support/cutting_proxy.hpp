// A TCP proxy on a free loopback port that cuts the path to its target on
// demand: pass, reset (RST), blackhole (silence both ways) or trickle (one
// byte per interval each way), switched while clients are connected.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace testsupport {

enum class ProxyMode {
    pass,       // forward everything
    reset,      // RST every connection, the open ones and each new one
    blackhole,  // keep every socket, forward nothing; new ones are accepted and held
    trickle,    // forward one byte per interval in each direction
};

std::string to_string(ProxyMode mode);

class CuttingProxy {
  public:
    // Listens on 127.0.0.1:<a free port> and forwards to 127.0.0.1:target_port.
    explicit CuttingProxy(int target_port);
    ~CuttingProxy();
    CuttingProxy(const CuttingProxy&) = delete;
    CuttingProxy& operator=(const CuttingProxy&) = delete;

    int port() const { return port_; }
    std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }

    void set_mode(ProxyMode mode,
                  std::chrono::milliseconds trickle_interval = std::chrono::milliseconds(5));
    ProxyMode mode() const { return mode_.load(); }
    std::size_t accepted() const { return accepted_.load(); }  // connections so far

    struct Link;  // one client connection and its upstream, owned by the loop

  private:
    void loop();
    void wake() const;

    int target_port_;
    int port_ = 0;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<ProxyMode> mode_{ProxyMode::pass};
    std::atomic<long long> trickle_ms_{5};
    std::atomic<std::size_t> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace testsupport
