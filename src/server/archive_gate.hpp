// When the front may let users through to the embedded broker: only while
// the archiver is subscribed on the broker process running now, so no user
// can publish a message the archiver will not receive.
#pragma once

#include <cstdint>

namespace mqchat::server {

class ArchiveGate {
  public:
    // Called by the serve loop after each pass with what it sees now;
    // `subscriptions` counts the archiver's subscriptions so far
    // (ServiceLink::subscriptions). After the broker was seen dead, only a
    // subscription made later counts: the loss of the old one may still be
    // on its way to the loop, or hidden in the same batch of events as the
    // new connection.
    bool open(bool broker_running, bool archiving, std::uint64_t subscriptions) {
        if (!broker_running) needed_ = subscriptions + 1;
        return broker_running && archiving && subscriptions >= needed_;
    }

  private:
    std::uint64_t needed_ = 1;
};

}  // namespace mqchat::server
