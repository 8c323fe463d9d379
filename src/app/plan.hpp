// A validated run: the command line turned into exactly what to do, or the
// one-line reason it cannot be done (exit code 2).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "cli/options.hpp"
#include "core/broker_url.hpp"
#include "core/line_format.hpp"

namespace mqchat::app {

enum class Mode { send, tail, interactive };

struct Plan {
    Mode mode = Mode::interactive;
    std::string room;
    std::string topic;
    bool send_stdin = false;  // --send -
    std::string send_text;
    BrokerUrl broker;
    std::string user;
    std::optional<long> count;
    std::optional<std::chrono::milliseconds> idle_timeout;  // tail -W
    std::chrono::milliseconds ack_timeout{10000};           // send -W
    bool json = false;
    LineFormat format;
    bool color = false;
    std::string cafile;
    bool insecure = false;
    int verbosity = 0;
};

struct PlanError {
    int exit_code;
    std::string stage;
    std::string cause;
};

// `stdout_is_tty` and `no_color` decide --color auto.
std::variant<Plan, PlanError> make_plan(const cli::Options& o, bool stdout_is_tty, bool no_color);

}  // namespace mqchat::app
