// A validated run: the command line turned into exactly what to do, or the
// one-line reason it cannot be done (exit code 2 or 3).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "cli/options.hpp"
#include "core/broker_url.hpp"
#include "core/line_format.hpp"

namespace mqchat::app {

enum class Mode { send, tail, interactive, login, logout };

struct Plan {
    Mode mode = Mode::interactive;
    std::string room;
    std::string topic;
    bool send_stdin = false;  // --send -
    std::string send_text;
    std::string message_id;  // --id: fixed ids for --send (empty: fresh ULIDs)
    std::string log_dir;     // chat --log
    bool no_auth = false;
    std::optional<BrokerUrl> broker;    // --broker: overrides the token answer's brokers
    std::optional<std::string> server;  // --server / MQCHAT_SERVER / config, normalised
    std::string user;                   // --no-auth sender id
    int history_lines = 20;             // -n
    std::size_t scrollback = 5000;      // chat: messages kept per room
    bool no_follow = false;
    std::optional<long> count;
    std::optional<std::chrono::milliseconds> idle_timeout;  // tail -W
    std::chrono::milliseconds ack_timeout{10000};           // send -W
    bool json = false;
    LineFormat format;
    bool color = false;
    std::string cafile;
    bool insecure = false;
    int verbosity = 0;
    std::optional<std::string> email;  // login
    bool password_stdin = false;       // login
};

// --id KEY's longest stem: line and part suffixes must still fit in an id.
inline constexpr std::size_t kMaxMessageKey = 48;

struct PlanError {
    int exit_code;
    std::string stage;
    std::string cause;
};

// `stdout_is_tty` and `no_color` decide --color auto.
std::variant<Plan, PlanError> make_plan(const cli::Options& o, bool stdout_is_tty, bool no_color);

}  // namespace mqchat::app
