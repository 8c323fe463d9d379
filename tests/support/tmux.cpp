// The private tmux server: start, capture, wait, send keys, tear down.
#include "tmux.hpp"

#include <sstream>
#include <stdexcept>
#include <thread>

namespace testsupport {
namespace {

// No status bar (the pane is the whole window), an interactive-free shell,
// a fixed TERM, OSC 52 honoured (so a leak would fill a paste buffer), and
// dead panes kept for their last words.
constexpr const char* kConfig =
    "set -g status off\n"
    "set -g default-shell /bin/sh\n"
    "set -g default-terminal tmux-256color\n"
    "set -g set-clipboard on\n"
    "set -g remain-on-exit on\n"
    "set -g history-limit 2000\n";

std::string rows_text(const ScreenRows& rows) {
    std::string out;
    for (const auto& row : rows)
        out += row + "\n";
    return out;
}

}  // namespace

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (const char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

Tmux::Tmux(const std::string& shell_command, TmuxOptions options) {
    env_ = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir_.path(), "LANG=C.UTF-8"};
    env_.insert(env_.end(), options.env.begin(), options.env.end());
    socket_ = dir_.path() + "/tmux.sock";
    config_ = dir_.write("tmux.conf", kConfig);
    const RunResult r =
        run_tmux({"new-session", "-d", "-s", target_, "-x", std::to_string(options.width), "-y",
                  std::to_string(options.height), shell_command});
    if (r.status != 0) {
        run_tmux({"kill-server"});  // in case the server came up without the session
        throw std::runtime_error("tmux new-session failed: " + r.err);
    }
}

Tmux::~Tmux() {
    run_tmux({"kill-server"});
}

RunResult Tmux::run_tmux(std::vector<std::string> args) const {
    // env -i: the server (started by the first command) and every pane see
    // exactly env_, never the environment the tests run in ($TMUX included).
    std::vector<std::string> argv = {"/usr/bin/env", "-i"};
    argv.insert(argv.end(), env_.begin(), env_.end());
    for (const std::string& a :
         {std::string(TMUX_BIN), std::string("-S"), socket_, std::string("-f"), config_})
        argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

std::string Tmux::command(std::vector<std::string> args) const {
    std::string joined;
    for (const auto& a : args)
        joined += " " + a;
    const RunResult r = run_tmux(std::move(args));
    if (r.status != 0) throw std::runtime_error("tmux" + joined + " failed: " + r.err);
    return r.out;
}

ScreenRows Tmux::rows() const {
    const std::string out = command({"capture-pane", "-p", "-t", target_});
    ScreenRows rows;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line))
        rows.push_back(line);
    const int height = std::stoi(display("#{pane_height}"));
    rows.resize(static_cast<std::size_t>(std::max(height, 0)));
    return rows;
}

std::string Tmux::text() const {
    return rows_text(rows());
}

std::string Tmux::with_escapes() const {
    return command({"capture-pane", "-p", "-e", "-t", target_});
}

std::string Tmux::display(const std::string& format) const {
    std::string out = command({"display-message", "-p", "-t", target_, format});
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

bool Tmux::wait_for(const std::function<bool(const ScreenRows&)>& pred,
                    std::chrono::milliseconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        last_ = rows();
        if (pred(last_)) return true;
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(50ms);
    }
}

bool Tmux::wait_for_text(const std::string& needle, std::chrono::milliseconds deadline) const {
    return wait_for(
        [&](const ScreenRows& rows) { return rows_text(rows).find(needle) != std::string::npos; },
        deadline);
}

std::string Tmux::screen() const {
    if (last_.empty()) last_ = rows();
    std::string out = "\n+" + std::string(40, '-') + " screen\n";
    for (const auto& row : last_)
        out += "|" + row + "\n";
    return out + "+" + std::string(40, '-') + "\n";
}

void Tmux::keys(const std::vector<std::string>& names) const {
    std::vector<std::string> args = {"send-keys", "-t", target_};
    args.insert(args.end(), names.begin(), names.end());
    command(args);
}

void Tmux::type(const std::string& text) const {
    command({"send-keys", "-t", target_, "-l", text});
}

void Tmux::paste(const std::string& text) const {
    command({"set-buffer", "-b", "tui-paste", text});
    // -p: bracketed when the program asked for it; -d: the buffer goes after.
    command({"paste-buffer", "-p", "-d", "-b", "tui-paste", "-t", target_});
}

void Tmux::resize(int width, int height) const {
    command({"resize-window", "-t", target_, "-x", std::to_string(width), "-y",
             std::to_string(height)});
}

}  // namespace testsupport
