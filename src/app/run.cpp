// Top-level flow of mqchat, and the last line of defence: nothing escapes as
// an uncaught exception or a multi-line error.
#include "run.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "app/access.hpp"
#include "app/chat_session.hpp"
#include "app/login_command.hpp"
#include "app/plan.hpp"
#include "app/reporter.hpp"
#include "app/send_session.hpp"
#include "app/tail_session.hpp"
#include "cli/options.hpp"
#include "core/exit_code.hpp"
#include "platform/environment.hpp"
#include "platform/signals.hpp"
#include "transport/mqtt_transport.hpp"

namespace mqchat::app {

int run(int argc, char** argv) {
    try {
        platform::SignalWatcher signals;  // first: library threads inherit the blocked mask
        auto parsed = cli::parse_command_line(argc, argv, std::cout, std::cerr);
        if (!parsed.options) return parsed.exit_code;
        auto planned = make_plan(*parsed.options, platform::is_terminal(STDOUT_FILENO),
                                 platform::no_color_requested());
        if (auto* err = std::get_if<PlanError>(&planned)) {
            Reporter(0).error(err->stage, err->cause);
            return err->exit_code;
        }
        const Plan& plan = std::get<Plan>(planned);
        const Reporter reporter(plan.verbosity);
        if (plan.mode == Mode::login) return run_login(plan, reporter);
        if (plan.mode == Mode::logout) return run_logout(plan, reporter);
        auto access = plan.no_auth ? Access::plain(plan) : Access::from_session(plan);
        if (auto* err = std::get_if<ApiError>(&access)) {
            reporter.error(err->stage, err->cause);
            return err->exit_code;
        }
        auto& who = std::get<Access>(access);
        if (plan.mode == Mode::send) return run_send(plan, who, reporter, signals);
        if (plan.mode == Mode::tail) return run_tail(plan, who, reporter, signals);
        return run_chat(plan, who, reporter, signals);
    } catch (const transport::TransportUnavailable& e) {
        Reporter(0).error("broker", e.what());
        return to_int(ExitCode::config);
    } catch (const std::exception& e) {
        Reporter(0).error("unexpected error", e.what());
    } catch (...) {
        Reporter(0).error("unexpected error", "unknown exception");
    }
    return to_int(ExitCode::unexpected);
}

void run_and_exit(int argc, char** argv) {
    transport::end_paho_with_process();
    const int code = run(argc, argv);
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}

}  // namespace mqchat::app
