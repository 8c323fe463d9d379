// mqchat login / mqchat logout: the session's whole life on the client.
#pragma once

#include "app/plan.hpp"
#include "app/reporter.hpp"

namespace mqchat::app {

int run_login(const Plan& plan, const Reporter& reporter);
int run_logout(const Plan& plan, const Reporter& reporter);

}  // namespace mqchat::app
