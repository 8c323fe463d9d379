// mqchat ROOM --tail: recent history, then one safe line per live message,
// until interrupted, -C N messages, or -W seconds of silence.
#pragma once

#include "app/access.hpp"
#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "app/session_ports.hpp"
#include "platform/signals.hpp"

namespace mqchat::app {

int run_tail(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports = {});

}  // namespace mqchat::app
