// The connection caps of mqchatd's listeners (HTTP and the MQTT front): a
// total and a per-address count, so one address (or a few) cannot take every
// slot. Pure bookkeeping; the servers decide what to answer beyond a cap.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

namespace mqchat::server::wire {

struct ConnectionLimits {
    std::size_t max_total = 4096;
    std::size_t max_per_address = 256;
};

enum class Admission { admitted, over_total, over_address };

class ConnectionCaps {
  public:
    explicit ConnectionCaps(ConnectionLimits limits) : limits_(limits) {}

    // Counts a connection from `address` (a cap key: see net.hpp) when both
    // caps allow it.
    Admission admit(const std::string& address);
    // Forgets one admitted connection from `address`.
    void release(const std::string& address);

    std::size_t open() const { return total_; }
    std::size_t open_from(const std::string& address) const;

  private:
    ConnectionLimits limits_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace mqchat::server::wire
