// The mqchat command line on CLI11: every option, its help text, its config
// file key, and the mapping of parse failures to exit codes 2 and 3.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>

#include "core/exit_code.hpp"
#include "mqchat_version.hpp"
#include "options.hpp"
#include "platform/environment.hpp"

namespace mqchat::cli {
namespace {

constexpr const char* kDescription =
    "mqchat - terminal chat over MQTT.\n"
    "  mqchat login              log in to mqchatd (once)\n"
    "  mqchat ROOM --send TEXT   publish one message and wait for the broker's ack\n"
    "  mqchat ROOM --send -      publish one message per line of stdin\n"
    "  mqchat ROOM --tail        print recent history, then new messages, one line each\n"
    "  mqchat logout             revoke and forget the session\n";

// A number above 0 and at most `max`, with an error that says so (CLI11's
// PositiveNumber names the whole range of a double when it refuses).
CLI::Validator above_zero_up_to(double max, bool whole = false) {
    return CLI::Validator(
        [max, whole](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v <= 0 || v > max ||
                (whole && v != std::floor(v)))
                return "'" + text + "' is not a " + (whole ? "whole " : "") +
                       "number above 0 and at most " + std::to_string(static_cast<long long>(max));
            return {};
        },
        "");
}

// Help lines as man pages write them: "--count N", without CLI11's validator
// names and "Excludes:" notes, which read as noise.
class HelpFormatter : public CLI::Formatter {
  public:
    std::string make_option_opts(const CLI::Option* opt) const override {
        std::string type = opt->get_type_name();
        type = type.substr(0, type.find(':'));
        return type.empty() || opt->get_expected_min() == 0 ? "" : " " + type;
    }
};

void define_options(CLI::App& app, Options& o, int& verbose_count, bool& quiet) {
    app.add_option("room", o.room,
                   "Room to use (1-64 of A-Z a-z 0-9 . _ -; default: config, else general)")
        ->type_name("ROOM");

    const std::string mode = "Mode";
    auto* send =
        app.add_option("--send", o.send, "Publish TEXT (or each stdin line with -) and exit")
            ->type_name("TEXT|-")
            ->group(mode);
    auto* tail =
        app.add_flag("--tail", o.tail, "Print messages as they arrive, one line each")->group(mode);
    send->excludes(tail);
    app.add_option("--id", o.id,
                   "Send: message id KEY (line N of --send - gets KEY-N), so a retry is "
                   "stored and shown once")
        ->type_name("KEY")
        ->group(mode);

    app.add_option("-n,--lines", o.lines, "Tail: history messages shown first (default 20; 0 none)")
        ->type_name("N")
        ->check(CLI::Range(0L, 100000L))
        ->group(mode);
    app.add_flag("--no-follow", o.no_follow, "Tail: print the history and exit")->group(mode);
    app.add_option("--scrollback", o.scrollback, "Chat: messages kept per room (default 5000)")
        ->type_name("N")
        ->check(CLI::Range(100L, 1000000L))
        ->group(mode);
    app.add_option("--log", o.log_dir,
                   "Chat: append every message shown to DIR/ROOM.jsonl (one JSON object a line)")
        ->type_name("DIR")
        ->group(mode);

    const std::string conn = "Connection";
    app.add_option("--server", o.server, "mqchatd base URL (default: the one stored by login)")
        ->type_name("URL")
        ->envname("MQCHAT_SERVER")
        ->group(conn);
    app.add_flag("--no-auth", o.no_auth,
                 "Use a plain MQTT broker without mqchatd: no login, no token")
        ->group(conn);
    app.add_option("--broker", o.broker,
                   "Broker URL: mqtt://, mqtts://, ws:// or wss://HOST[:PORT][/PATH]")
        ->type_name("URL")
        ->group(conn);
    app.add_option("--user", o.user, "Sender id with --no-auth (default: your login name)")
        ->type_name("NAME")
        ->group(conn);
    app.add_option("--cafile", o.cafile, "Trust the CA certificates in FILE for TLS")
        ->type_name("FILE")
        ->check(CLI::ExistingFile)
        ->group(conn);
    app.add_flag("--insecure", o.insecure, "Skip TLS certificate and host name checks")
        ->group(conn);

    const std::string output = "Tail output";
    app.add_option("-C,--count", o.count, "Exit 0 after N live messages")
        ->type_name("N")
        ->check(above_zero_up_to(1.0e9, true))
        ->group(output);
    app.add_option("-W,--timeout", o.timeout,
                   "Send: exit 8 unless acknowledged within SEC (default 10). Tail: exit 8 after "
                   "SEC without a "
                   "message (default: wait forever)")
        ->type_name("SEC")
        ->check(above_zero_up_to(1.0e7))
        ->group(mode);
    app.add_flag("--json", o.json,
                 "One canonical JSON message per line (NDJSON); with --send, each message "
                 "once acknowledged")
        ->group(output);
    app.add_option("--format", o.format, "Line template: %T %D %u %n %m %r %i %%, \\t \\n \\\\")
        ->type_name("FMT")
        ->group(output);
    app.add_option("--color", o.color,
                   "auto (colour only on a terminal, honours NO_COLOR), always or never")
        ->type_name("WHEN")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->group(output);

    auto* login =
        app.add_subcommand("login", "Log in to mqchatd and store the session")->fallthrough();
    login->add_option("--email", o.email, "Account e-mail (asked for when not given)")
        ->type_name("EMAIL");
    login->add_flag("--password-stdin", o.password_stdin,
                    "Read the password from the first line of stdin");
    login->callback([&o] { o.command = Command::login; });
    app.add_subcommand("logout", "Revoke and delete the stored session")
        ->fallthrough()
        ->callback([&o] { o.command = Command::logout; });
    app.require_subcommand(0, 1);

    const std::string diag = "Diagnostics";
    auto* v = app.add_flag("-v,--verbose", verbose_count, "More diagnostics on stderr (repeatable)")
                  ->group(diag);
    auto* q = app.add_flag("-q,--quiet", quiet, "Only errors on stderr")->group(diag);
    v->excludes(q);
}

// CLI11 messages name options its own way; keep them to one line.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                std::ostream& err) {
    Options o;
    int verbose_count = 0;
    bool quiet = false;
    CLI::App app(kDescription, "mqchat");
    app.set_version_flag("--version", "mqchat " MQCHAT_VERSION);
    app.set_config("--config", platform::default_config_path(),
                   "Read long options from FILE (default $XDG_CONFIG_HOME/mqchat/config.toml)")
        ->type_name("FILE");
    app.allow_config_extras(CLI::config_extras_mode::error);
    auto formatter = std::make_shared<HelpFormatter>();
    formatter->column_width(24);
    app.formatter(formatter);
    define_options(app, o, verbose_count, quiet);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return {std::nullopt, to_int(ExitCode::ok)};
    } catch (const CLI::CallForVersion& e) {
        out << e.what() << "\n";
        return {std::nullopt, to_int(ExitCode::ok)};
    } catch (const CLI::ConfigError& e) {
        err << "mqchat: config: " << one_line(e.what()) << "\n";
        return {std::nullopt, to_int(ExitCode::config)};
    } catch (const CLI::FileError& e) {
        err << "mqchat: config: " << one_line(e.what()) << "\n";
        return {std::nullopt, to_int(ExitCode::config)};
    } catch (const CLI::ParseError& e) {
        err << "mqchat: usage: " << one_line(e.what()) << " (see mqchat --help)\n";
        return {std::nullopt, to_int(ExitCode::usage)};
    }
    o.verbosity = quiet ? -1 : verbose_count;
    return {std::move(o), 0};
}

}  // namespace mqchat::cli
