// Validation of option meaning and combinations, before any connection.
#include "plan.hpp"

#include "app/server_api.hpp"
#include "core/exit_code.hpp"
#include "core/room_name.hpp"
#include "core/utf8.hpp"
#include "platform/environment.hpp"

namespace mqchat::app {
namespace {

PlanError usage(std::string cause) {
    return {to_int(ExitCode::usage), "usage", std::move(cause)};
}

std::string user_problem(const std::string& user) {
    if (user.empty()) return "--user must not be empty";
    if (user.size() > 64) return "--user is longer than 64 bytes";
    if (!utf8::is_valid(user)) return "--user is not valid UTF-8";
    for (unsigned char c : user)
        if (c < 0x20 || c == 0x7F) return "--user contains control characters";
    return {};
}

// --id KEY: the message id, or its stem for the lines of --send -.
std::string message_key_problem(const std::string& key) {
    if (key.empty() || key.size() > kMaxMessageKey)
        return "--id needs 1 to " + std::to_string(kMaxMessageKey) + " characters";
    for (const char c : key)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '-'))
            return "--id may only hold A-Z a-z 0-9 _ and -";
    return {};
}

std::optional<PlanError> check_tail_only_options(const cli::Options& o) {
    if (o.tail) return std::nullopt;
    if (o.json && !o.send) return usage("--json only applies to --tail and --send");
    if (o.format) return usage("--format only applies to --tail");
    if (o.count) return usage("--count only applies to --tail");
    if (o.lines) return usage("--lines only applies to --tail");
    if (o.no_follow) return usage("--no-follow only applies to --tail");
    return std::nullopt;
}

std::optional<PlanError> apply_output_options(const cli::Options& o, bool stdout_is_tty,
                                              bool no_color, Plan& p) {
    if (o.json && o.format) return usage("--json and --format cannot be combined");
    if (o.format) {
        auto parsed = LineFormat::parse(*o.format);
        if (auto* err = std::get_if<std::string>(&parsed)) return usage(*err);
        p.format = std::get<LineFormat>(parsed);
    }
    p.json = o.json;
    p.count = o.count;
    if (o.timeout) {
        const auto ms = std::chrono::milliseconds(static_cast<long long>(*o.timeout * 1000.0));
        p.ack_timeout = ms;
        p.idle_timeout = ms;
    }
    p.color = o.color == "always" || (o.color == "auto" && stdout_is_tty && !no_color);
    if (o.lines) p.history_lines = static_cast<int>(*o.lines);
    if (o.scrollback) {
        if (o.send || o.tail) return usage("--scrollback only applies to the chat");
        p.scrollback = static_cast<std::size_t>(*o.scrollback);
    }
    p.no_follow = o.no_follow;
    return std::nullopt;
}

// Where to find mqchatd and the broker, and who is sending.
std::optional<PlanError> apply_connection_options(const cli::Options& o, Plan& p) {
    p.no_auth = o.no_auth;
    if (o.server) {
        auto server = normalize_server_url(*o.server);
        if (!server.problem.empty()) return usage(server.problem);
        p.server = server.url;
    }
    if (!o.broker.empty()) {
        auto url = parse_broker_url(o.broker);
        if (!url.url) return usage(url.problem);
        p.broker = *url.url;
    }
    if (p.no_auth) {
        if (!p.broker) return usage("--no-auth needs --broker URL");
        if (o.no_follow)
            return usage("--no-follow needs the server's history (not with --no-auth)");
        p.user = o.user.value_or(platform::login_name());
        if (auto problem = user_problem(p.user); !problem.empty()) return usage(problem);
    } else if (o.user) {
        return usage(
            "--user only applies with --no-auth: with a login, the server says who you are");
    }
    p.cafile = o.cafile;
    p.insecure = o.insecure;
    return std::nullopt;
}

}  // namespace

std::variant<Plan, PlanError> make_plan(const cli::Options& o, bool stdout_is_tty, bool no_color) {
    Plan p;
    p.verbosity = o.verbosity;
    p.email = o.email;
    p.password_stdin = o.password_stdin;
    if (o.command != cli::Command::chat) {
        p.mode = o.command == cli::Command::login ? Mode::login : Mode::logout;
        if (o.send || o.tail) return usage("login and logout take no --send or --tail");
        if (auto e = apply_connection_options(o, p)) return *e;
        return p;
    }
    p.room = o.room.value_or("general");
    if (auto problem = room_name_problem(p.room); !problem.empty()) return usage(problem);
    p.topic = room_topic(p.room);
    p.mode = o.send ? Mode::send : o.tail ? Mode::tail : Mode::interactive;
    if (auto e = check_tail_only_options(o)) return *e;
    if (o.id && !o.send) return usage("--id only applies to --send");
    if (o.log_dir && (o.send || o.tail)) return usage("--log only applies to the chat");
    if (o.log_dir) p.log_dir = *o.log_dir;
    if (o.id) {
        if (auto problem = message_key_problem(*o.id); !problem.empty()) return usage(problem);
        p.message_id = *o.id;
    }
    if (o.send) {
        p.send_stdin = *o.send == "-";
        p.send_text = p.send_stdin ? "" : *o.send;
        if (!p.send_stdin && p.send_text.empty())
            return usage("--send needs a non-empty TEXT (or - for stdin)");
    }
    if (auto e = apply_output_options(o, stdout_is_tty, no_color, p)) return *e;
    if (auto e = apply_connection_options(o, p)) return *e;
    return p;
}

}  // namespace mqchat::app
