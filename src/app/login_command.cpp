// Logging in (asking for the password without echo, or reading it from stdin)
// and out. The password and session never reach argv, logs or stderr.
#include "login_command.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app/server_api.hpp"
#include "app/session_store.hpp"
#include "core/exit_code.hpp"
#include "http/http_client.hpp"

namespace mqchat::app {
namespace {

constexpr const char* kDefaultServer = "http://127.0.0.1:8080";

// Reads one line from `fd`, without its newline; false at end of input.
bool read_line(int fd, std::string& line) {
    line.clear();
    char c = 0;
    ssize_t n = 0;
    while ((n = ::read(fd, &c, 1)) == 1) {
        if (c == '\n') break;
        line += c;
        if (line.size() > 4096) return false;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return n == 1 || !line.empty();
}

// Asks on the controlling terminal; echo off for secrets.
class Terminal {
  public:
    Terminal() : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC)) {}
    ~Terminal() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool available() const { return fd_ >= 0; }

    bool ask(const std::string& prompt, std::string& answer, bool secret) {
        [[maybe_unused]] auto n = ::write(fd_, prompt.data(), prompt.size());
        termios saved{};
        const bool hide = secret && ::tcgetattr(fd_, &saved) == 0;
        if (hide) {
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(fd_, TCSAFLUSH, &quiet);
        }
        const bool ok = read_line(fd_, answer);
        if (hide) {
            ::tcsetattr(fd_, TCSAFLUSH, &saved);
            [[maybe_unused]] auto m = ::write(fd_, "\n", 1);
        }
        return ok;
    }

  private:
    int fd_;
};

PlanError usage(std::string cause) {
    return {to_int(ExitCode::usage), "login", std::move(cause)};
}

// The e-mail and password, from options, stdin or the terminal.
std::variant<std::pair<std::string, std::string>, PlanError> credentials(const Plan& plan) {
    Terminal tty;
    std::string email = plan.email.value_or("");
    std::string password;
    if (email.empty()) {
        if (plan.password_stdin) return usage("--password-stdin needs --email EMAIL");
        if (!tty.available() || !tty.ask("E-mail: ", email, false) || email.empty())
            return usage("no e-mail given: use --email EMAIL");
    }
    if (plan.password_stdin) {
        if (!read_line(STDIN_FILENO, password)) return usage("no password on stdin");
    } else if (!tty.available()) {
        return usage("no terminal to ask for the password: use --password-stdin");
    } else if (!tty.ask("Password for " + email + ": ", password, true)) {
        return usage("no password given");
    }
    if (password.empty()) return usage("the password is empty");
    return std::make_pair(email, password);
}

std::string server_for_login(const Plan& plan) {
    if (plan.server) return *plan.server;
    std::string ignored;
    if (auto stored = SessionStore::at_default_path().load(ignored)) return stored->server;
    return kDefaultServer;
}

}  // namespace

int run_login(const Plan& plan, const Reporter& reporter) {
    const auto server = normalize_server_url(server_for_login(plan));
    if (!server.problem.empty()) {
        reporter.error("config", server.problem);
        return to_int(ExitCode::usage);
    }
    auto creds = credentials(plan);
    if (auto* err = std::get_if<PlanError>(&creds)) {
        reporter.error(err->stage, err->cause);
        return err->exit_code;
    }
    const auto& [email, password] = std::get<std::pair<std::string, std::string>>(creds);
    auto http = http::make_curl_client({plan.cafile, plan.insecure});
    ServerApi api(*http, server.url);
    auto answer = api.login(email, password);
    if (auto* err = std::get_if<ApiError>(&answer)) {
        reporter.error(err->stage, err->cause);
        return err->exit_code;
    }
    const auto& a = std::get<LoginAnswer>(answer);
    const auto store = SessionStore::at_default_path();
    if (auto problem = store.save({server.url, a.session, a.user_id, a.user_name, a.expires_at});
        !problem.empty()) {
        reporter.error("login", problem);
        return to_int(ExitCode::unexpected);
    }
    reporter.warn("login", "logged in as " + a.user_id +
                               (a.user_name.empty() ? "" : " (" + a.user_name + ")") + " on " +
                               server.url);
    return to_int(ExitCode::ok);
}

int run_logout(const Plan& plan, const Reporter& reporter) {
    const auto store = SessionStore::at_default_path();
    std::string problem;
    auto stored = store.load(problem);
    if (!stored) {
        if (!problem.empty()) {
            reporter.error("logout", problem);
            return to_int(ExitCode::config);
        }
        reporter.warn("logout", "not logged in");
        return to_int(ExitCode::ok);
    }
    const auto server = normalize_server_url(plan.server.value_or(stored->server));
    if (!server.problem.empty()) {
        reporter.error("config", server.problem);
        return to_int(ExitCode::usage);
    }
    auto http = http::make_curl_client({plan.cafile, plan.insecure});
    ServerApi api(*http, server.url);
    if (auto err = api.logout(stored->session)) {
        reporter.error("logout", err->cause +
                                     "; the session was kept so you can try again (delete " +
                                     store.path() + " to forget it)");
        return err->exit_code;
    }
    if (auto removed = store.remove(); !removed.empty()) {
        reporter.error("logout", removed);
        return to_int(ExitCode::unexpected);
    }
    reporter.warn("logout", "logged out of " + server.url);
    return to_int(ExitCode::ok);
}

}  // namespace mqchat::app
