// mqchat ROOM --send TEXT | --send -: publish at QoS 1 and exit 0 only when the
// broker has acknowledged every message, in order, over one connection.
#pragma once

#include "app/access.hpp"
#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "app/session_ports.hpp"
#include "platform/signals.hpp"

namespace mqchat::app {

int run_send(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports = {});

// Whom outbox entries are for: messages saved for another server, broker or
// user are never sent by this run.
std::string outbox_target(const Plan& plan, const Access& access);

}  // namespace mqchat::app
