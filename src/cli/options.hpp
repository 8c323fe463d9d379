// What the user asked for on the command line (and in the config file), before
// any validation beyond types: the app checks meaning and combinations.
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace mqchat::cli {

enum class Command { chat, login, logout };

struct Options {
    Command command = Command::chat;
    std::optional<std::string> room;  // from the command line or config
    std::optional<std::string> send;  // "-": one message per stdin line
    std::optional<std::string> id;    // --id KEY: fixed message ids for --send
    bool tail = false;
    bool no_auth = false;
    std::string broker;
    std::optional<std::string> user;
    std::optional<std::string> server;   // --server, MQCHAT_SERVER, config
    std::optional<long> lines;           // -n
    std::optional<long> scrollback;      // chat: messages kept per room
    std::optional<std::string> log_dir;  // chat: --log DIR
    bool no_follow = false;
    std::optional<std::string> email;  // login
    bool password_stdin = false;       // login
    std::optional<long> count;         // -C
    std::optional<double> timeout;     // -W, seconds
    bool json = false;
    std::optional<std::string> format;
    std::string color = "auto";
    std::string cafile;
    bool insecure = false;
    int verbosity = 0;  // -1 quiet, 0 normal, >0 verbose
};

// Either options to run with, or an exit code to leave with right away
// (after --help, --version, or a one-line usage/config error on `err`).
struct ParseOutcome {
    std::optional<Options> options;
    int exit_code = 0;
};

ParseOutcome parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                std::ostream& err);

}  // namespace mqchat::cli
