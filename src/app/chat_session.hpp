// mqchat [ROOM]: the interactive chat. One thread owns the terminal; MQTT
// events, HTTP results, keys, resizes and signals all wake one poll() loop.
#pragma once

#include "app/access.hpp"
#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "app/session_ports.hpp"
#include "platform/signals.hpp"

namespace mqchat::app {

int run_chat(const Plan& plan, Access& access, const Reporter& reporter,
             platform::SignalWatcher& signals, const SessionPorts& ports = {});

}  // namespace mqchat::app
