// CLI11 definitions of mqchatd's commands and the user subcommands' bodies.
#include "command_line.hpp"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accounts.hpp"
#include "core/sanitize.hpp"
#include "daemon.hpp"
#include "mqchat_version.hpp"
#include "passwords.hpp"
#include "platform/environment.hpp"
#include "quota.hpp"
#include "store.hpp"
#include "token/jwt.hpp"
#include "transport/mqtt_client.hpp"

namespace mqchat::server {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// Short lifetimes are for tests of token refresh; the default is 900 s.
constexpr std::int64_t kMinTokenTtl = 5;
constexpr std::int64_t kMaxTokenTtl = token::kMaxTokenLifetime;  // what the plugin accepts
constexpr std::int64_t kMaxConnectionCap = 1000000;

struct Storage {
    std::string data_dir;
    std::string db;  // "sqlite:PATH"; empty: <data>/mqchatd.db
};

struct UserArgs {
    std::string email;
    std::string name;
    bool password_stdin = false;
};

struct ServeArgs {
    std::string http = "127.0.0.1:8080";
    std::string mqtt = "127.0.0.1:1883";
    std::string ws = "127.0.0.1:8083";
    std::string broker_url;
    std::int64_t token_ttl = kDefaultTokenTtlSeconds;
    std::string plugin;
    std::string user_quota = "100M";
    std::optional<int> user_rate;
    std::optional<int> user_burst;
    std::int64_t max_connections = static_cast<std::int64_t>(wire::ConnectionLimits{}.max_total);
    std::int64_t max_per_address =
        static_cast<std::int64_t>(wire::ConnectionLimits{}.max_per_address);
    // --mqtt, --ws, --plugin, --user-rate and --user-burst: they configure
    // the embedded broker, so giving one together with --broker-url is a
    // mistake worth telling.
    std::vector<const CLI::Option*> embedded_only;
};

std::string default_data_dir() {
    const std::string home = platform::env_or("HOME", ".");
    return platform::env_or("XDG_DATA_HOME", home + "/.local/share") + "/mqchatd";
}

// The command line itself is wrong (unknown option, missing argument, options
// that exclude each other): point at --help.
int usage_error(const std::string& message) {
    std::cerr << "mqchatd: usage: " << sanitize(message) << " (see mqchatd --help)\n";
    return kExitUsage;
}

// A value is wrong (a short password, a bad email or URL): say what is wrong
// with it; --help would not tell.
int invalid_input(const std::string& message) {
    std::cerr << "mqchatd: " << sanitize(message) << "\n";
    return kExitUsage;
}

int failure(const std::string& message) {
    std::cerr << "mqchatd: " << sanitize(message) << "\n";
    return kExitFailure;
}

struct DbPath {
    std::string path;
    std::string problem;
};

// --db sqlite:PATH, or the default file in the data dir.
DbPath database_path(const Storage& s) {
    if (s.db.empty()) return {s.data_dir + "/mqchatd.db", {}};
    if (s.db.starts_with("sqlite:") && s.db.size() > 7) return {s.db.substr(7), {}};
    if (s.db.starts_with("postgresql://") || s.db.starts_with("postgres://"))
        return {{}, "--db: PostgreSQL is not supported by this build; use sqlite:PATH"};
    return {{}, "--db: expected sqlite:PATH"};
}

void add_storage_options(CLI::App* cmd, Storage& s) {
    cmd->add_option("--data", s.data_dir, "Data dir (default $XDG_DATA_HOME/mqchatd)")
        ->type_name("DIR");
    cmd->add_option("--db", s.db, "Database (default sqlite:<data>/mqchatd.db)")->type_name("URL");
}

// --- passwords ---------------------------------------------------------------

std::string strip_line_end(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    return line;
}

std::optional<std::string> read_stdin_line() {
    std::string line;
    if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
    return strip_line_end(std::move(line));
}

// Reads a line from the terminal with echo off, restoring the terminal after.
std::optional<std::string> prompt_hidden(const char* prompt) {
    std::cerr << prompt << std::flush;
    termios old_mode{};
    ::tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    auto line = read_stdin_line();
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
    std::cerr << "\n";
    return line;
}

struct PasswordInput {
    std::optional<std::string> password;
    std::string problem;
};

PasswordInput read_new_password(bool from_stdin) {
    if (from_stdin) {
        auto line = read_stdin_line();
        if (!line)
            return {std::nullopt, "no password on stdin (--password-stdin reads its first line)"};
        return {line, {}};
    }
    if (!platform::is_terminal(STDIN_FILENO))
        return {std::nullopt, "stdin is not a terminal: use --password-stdin"};
    auto first = prompt_hidden("Password: ");
    auto second = prompt_hidden("Repeat password: ");
    if (!first || !second) return {std::nullopt, "no password entered"};
    if (*first != *second) return {std::nullopt, "the passwords differ"};
    return {first, {}};
}

// --- user subcommands -----------------------------------------------------------

std::unique_ptr<Store> open_store(const Storage& s) {
    const auto db = database_path(s);
    if (!db.problem.empty()) throw std::invalid_argument(db.problem);
    if (s.db.empty()) ensure_data_dir(s.data_dir);
    return Store::open(db.path);
}

int user_add(const Storage& s, const UserArgs& a) {
    const std::string email = normalize_email(a.email);
    if (auto p = email_problem(email); !p.empty()) return invalid_input(p);
    if (!a.name.empty())
        if (auto p = display_name_problem(a.name); !p.empty()) return invalid_input(p);
    const auto input = read_new_password(a.password_stdin);
    if (!input.password) return invalid_input(input.problem);
    if (auto p = password_problem(*input.password); !p.empty()) return invalid_input(p);
    auto store = open_store(s);
    const auto result = add_account(*store, {email, a.name, *input.password}, platform::now_ms());
    if (!result.ok)
        return result.duplicate ? failure("user add: " + result.error)
                                : invalid_input(result.error);
    std::cout << "added " << result.user.id << " <" << result.user.email << "> "
              << sanitize(result.user.name) << "\n";
    return 0;
}

int user_list(const Storage& s) {
    auto store = open_store(s);
    for (const auto& u : store->users())
        std::cout << u.id << "\t" << sanitize(u.email) << "\t" << sanitize(u.name) << "\n";
    return 0;
}

int user_del(const Storage& s, const UserArgs& a) {
    auto store = open_store(s);
    const std::string email = normalize_email(a.email);
    if (!store->delete_user(email, platform::now_ms()))
        return failure("user del: no user with the email " + email);
    std::cout << "deleted <" << email << ">\n";
    return 0;
}

// --- serve -----------------------------------------------------------------------

// A HOST:PORT option, or nullopt after reporting what is wrong with it.
std::optional<HostPort> host_port_option(const char* name, const std::string& text) {
    auto parsed = parse_host_port(text);
    if (!parsed.value) invalid_input(std::string(name) + ": " + parsed.problem);
    return parsed.value;
}

// The external broker's URL, checked before anything starts; --mqtt, --ws
// and --plugin would be silently ignored with it, so they are refused.
int check_broker_url(const ServeArgs& a) {
    if (a.broker_url.empty()) return 0;
    for (const CLI::Option* option : a.embedded_only)
        if (option->count() > 0)
            return usage_error(option->get_name() +
                               " cannot be used with --broker-url: it configures the embedded "
                               "broker, which --broker-url replaces");
    if (auto parsed = mqtt::parse_broker_target(a.broker_url); !parsed.target)
        return invalid_input("--broker-url: " + parsed.problem);
    return 0;
}

// --user-quota, --user-rate and --user-burst into `o`; 0, or the exit status
// after reporting what is wrong.
int apply_user_limits(const ServeArgs& a, ServeOptions& o) {
    const auto quota = parse_size(a.user_quota);
    if (!quota)
        return invalid_input(
            "--user-quota: expected a size such as 100M, 2G or 0 (unlimited), not " + a.user_quota);
    o.user_quota_bytes = *quota;
    if (a.user_rate && *a.user_rate < 0)
        return invalid_input("--user-rate must be 0 (unlimited) or more");
    if (a.user_burst && *a.user_burst < 1) return invalid_input("--user-burst must be at least 1");
    o.user_rate = a.user_rate;
    o.user_burst = a.user_burst;
    return 0;
}

int serve_command(const Storage& s, const ServeArgs& a) {
    ServeOptions o;
    o.data_dir = s.data_dir;
    const auto db = database_path(s);
    if (!db.problem.empty()) return invalid_input(db.problem);
    o.db_path = db.path;
    const auto http = host_port_option("--http", a.http);
    if (!http) return kExitUsage;
    const auto mqtt = host_port_option("--mqtt", a.mqtt);
    if (!mqtt) return kExitUsage;
    const auto ws = host_port_option("--ws", a.ws);
    if (!ws) return kExitUsage;
    if (const int status = check_broker_url(a); status != 0) return status;
    o.http = *http;
    o.mqtt = *mqtt;
    o.ws = *ws;
    if (!a.broker_url.empty()) o.broker_url = a.broker_url;
    if (a.token_ttl < kMinTokenTtl || a.token_ttl > kMaxTokenTtl)
        return invalid_input("--token-ttl must be " + std::to_string(kMinTokenTtl) + " to " +
                             std::to_string(kMaxTokenTtl) + " seconds");
    o.token_ttl_s = a.token_ttl;
    o.plugin_path = a.plugin;
    if (const int status = apply_user_limits(a, o); status != 0) return status;
    for (const auto& [name, value] :
         {std::pair{"--max-connections", a.max_connections},
          std::pair{"--max-connections-per-address", a.max_per_address}})
        if (value < 1 || value > kMaxConnectionCap)
            return invalid_input(std::string(name) + " must be 1 to " +
                                 std::to_string(kMaxConnectionCap));
    o.limits.max_total = static_cast<std::size_t>(a.max_connections);
    o.limits.max_per_address = static_cast<std::size_t>(a.max_per_address);
    return serve(o);
}

enum class Command { none, serve, user_add, user_list, user_del };

}  // namespace

int run_mqchatd(int argc, char** argv) {
    ::umask(077);  // keys, database, broker config and logs are nobody else's business
    CLI::App app("mqchatd: accounts, login, MQTT tokens, history and archive for mqchat",
                 "mqchatd");
    app.set_version_flag("--version", "mqchatd " MQCHAT_VERSION);
    app.require_subcommand(1);
    Storage storage{default_data_dir(), {}};
    ServeArgs serve_args;
    UserArgs user_args;
    Command command = Command::none;

    auto* serve_cmd =
        app.add_subcommand("serve", "Run the HTTP API, the embedded broker and the archiver");
    add_storage_options(serve_cmd, storage);
    serve_cmd->add_option("--http", serve_args.http, "HTTP listener (default 127.0.0.1:8080)")
        ->type_name("HOST:PORT");
    serve_args.embedded_only.push_back(
        serve_cmd->add_option("--mqtt", serve_args.mqtt, "MQTT listener (default 127.0.0.1:1883)")
            ->type_name("HOST:PORT"));
    serve_args.embedded_only.push_back(
        serve_cmd->add_option("--ws", serve_args.ws, "WebSocket listener (default 127.0.0.1:8083)")
            ->type_name("HOST:PORT"));
    serve_cmd
        ->add_option("--broker-url", serve_args.broker_url, "Use this external broker; start none")
        ->type_name("URL");
    serve_cmd->add_option("--token-ttl", serve_args.token_ttl, "MQTT token lifetime (default 900)")
        ->type_name("SEC");
    serve_cmd
        ->add_option("--max-connections", serve_args.max_connections,
                     "Connections at once, for HTTP and for MQTT each (default 4096)")
        ->type_name("N");
    serve_cmd
        ->add_option("--max-connections-per-address", serve_args.max_per_address,
                     "Connections at once from one address (IPv6: one /64) (default 256)")
        ->type_name("N");
    serve_args.embedded_only.push_back(
        serve_cmd
            ->add_option(
                "--plugin", serve_args.plugin,
                "Broker plugin (default: libmqchat_auth.so beside mqchatd, else installed)")
            ->type_name("PATH"));
    serve_cmd
        ->add_option("--user-quota", serve_args.user_quota,
                     "Stored message bytes per account; K, M, G suffixes; 0: unlimited (default "
                     "100M)")
        ->type_name("SIZE");
    serve_args.embedded_only.push_back(
        serve_cmd
            ->add_option("--user-rate", serve_args.user_rate,
                         "Chat messages per second the broker takes from one account (default "
                         "100; 0: unlimited)")
            ->type_name("N"));
    serve_args.embedded_only.push_back(
        serve_cmd
            ->add_option("--user-burst", serve_args.user_burst,
                         "Messages one account may send at once above its rate (default 2000)")
            ->type_name("N"));
    serve_cmd->callback([&] { command = Command::serve; });

    auto* user = app.add_subcommand("user", "Manage accounts")->require_subcommand(1);
    auto* add =
        user->add_subcommand("add", "Add an account (password prompted, or --password-stdin)");
    add->add_option("EMAIL", user_args.email, "Login email")->required();
    add->add_option("--name", user_args.name, "Display name (default: the email's local part)");
    add->add_flag("--password-stdin", user_args.password_stdin,
                  "Read the password from the first line of stdin");
    add_storage_options(add, storage);
    add->callback([&] { command = Command::user_add; });
    auto* list = user->add_subcommand("list", "List accounts: id, email, name");
    add_storage_options(list, storage);
    list->callback([&] { command = Command::user_list; });
    auto* del = user->add_subcommand("del", "Delete an account and its sessions");
    del->add_option("EMAIL", user_args.email, "Login email")->required();
    add_storage_options(del, storage);
    del->callback([&] { command = Command::user_del; });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help (of any command), --version
        std::string what = e.what();
        for (char& c : what)
            if (c == '\n') c = ' ';
        return usage_error(what);
    }
    try {
        switch (command) {
            case Command::serve:
                return serve_command(storage, serve_args);
            case Command::user_add:
                return user_add(storage, user_args);
            case Command::user_list:
                return user_list(storage);
            case Command::user_del:
                return user_del(storage, user_args);
            case Command::none:
                break;
        }
    } catch (const std::invalid_argument& e) {
        return invalid_input(e.what());
    } catch (const std::exception& e) {
        return failure(e.what());
    }
    return usage_error("no command given");
}

}  // namespace mqchat::server
