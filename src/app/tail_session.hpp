// mqchat ROOM --tail: one safe line per message until interrupted, -C N
// messages, or -W seconds of silence.
#pragma once

#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "platform/signals.hpp"

namespace mqchat::app {

int run_tail(const Plan& plan, const Reporter& reporter, platform::SignalWatcher& signals);

}  // namespace mqchat::app
