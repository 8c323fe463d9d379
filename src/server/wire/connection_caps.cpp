// Counting connections per address; an address without connections is
// forgotten, so the map holds only the addresses connected now.
#include "connection_caps.hpp"

namespace mqchat::server::wire {

Admission ConnectionCaps::admit(const std::string& address) {
    if (total_ >= limits_.max_total) return Admission::over_total;
    std::size_t& n = per_address_[address];
    if (n >= limits_.max_per_address) {
        if (n == 0) per_address_.erase(address);
        return Admission::over_address;
    }
    ++n;
    ++total_;
    return Admission::admitted;
}

void ConnectionCaps::release(const std::string& address) {
    const auto it = per_address_.find(address);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
    --total_;
}

std::size_t ConnectionCaps::open_from(const std::string& address) const {
    const auto it = per_address_.find(address);
    return it == per_address_.end() ? 0 : it->second;
}

}  // namespace mqchat::server::wire
