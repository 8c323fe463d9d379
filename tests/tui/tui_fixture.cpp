// The TUI suites' world and screen readers.
#include "tui_fixture.hpp"

#include <sstream>
#include <stdexcept>
#include <thread>

namespace tuitest {
namespace {

constexpr const char* kAlicePassword = "alice-password";
constexpr const char* kBobPassword = "bob-password";

bool is_colour_parameter(int p) {
    return (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 97) ||
           (p >= 100 && p <= 107);
}

std::vector<int> numbers_of(const std::string& params) {
    std::vector<int> out;
    std::size_t start = 0;
    for (;;) {
        const auto end = params.find_first_of(";:", start);
        const std::string part = params.substr(start, end - start);
        out.push_back(part.empty() ? 0 : std::atoi(part.c_str()));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

}  // namespace

Person::Person(const Stack& stack, const std::string& email, const std::string& password) {
    const auto r = mqchat({"--server", "http://127.0.0.1:" + std::to_string(stack.http_port()),
                           "login", "--email", email, "--password-stdin"},
                          password + "\n");
    if (r.status != 0) throw std::runtime_error("mqchat login failed: " + r.err);
}

std::vector<std::string> Person::env() const {
    return {"XDG_STATE_HOME=" + home_.path() + "/state",
            "XDG_CONFIG_HOME=" + home_.path() + "/config"};
}

RunResult Person::mqchat(std::vector<std::string> args, const std::string& input) const {
    args.insert(args.begin(), mqchat_bin());
    return run(args, input, {env(), false});
}

World::World()
    : alice_id(stack.add_user("alice@example.com", "Alice", kAlicePassword)),
      bob_id(stack.add_user("bob@example.com", "Bob", kBobPassword)),
      alice(stack, "alice@example.com", kAlicePassword),
      bob(stack, "bob@example.com", kBobPassword) {}

std::unique_ptr<Tmux> World::open(const Start& start) const {
    TmuxOptions options;
    options.width = start.width;
    options.height = start.height;
    options.env = alice.env();
    options.env.push_back("PS1=$ ");
    options.env.insert(options.env.end(), start.env.begin(), start.env.end());
    const std::string command = shell_quote(mqchat_bin()) + " " + shell_quote(start.room) +
                                "; echo \"EXIT=$?\"; " + start.after;
    return std::make_unique<Tmux>(command, options);
}

void World::bob_says(const std::string& text, const std::string& room) const {
    const auto r = bob.mqchat({room, "--send", text});
    if (r.status != 0)
        throw std::runtime_error("bob's mqchat --send failed (" + std::to_string(r.status) +
                                 "): " + r.err);
}

void World::bob_sends_lines(const std::string& lines, const std::string& room) const {
    const auto r = bob.mqchat({room, "--send", "-"}, lines);
    if (r.status != 0)
        throw std::runtime_error("bob's mqchat --send - failed (" + std::to_string(r.status) +
                                 "): " + r.err);
}

json World::history(const std::string& room, int limit) const {
    const auto session = stack.session("bob@example.com", kBobPassword);
    const auto r = stack.http().get(
        "/api/rooms/" + room + "/messages?limit=" + std::to_string(limit), session);
    if (r.status != 200)
        throw std::runtime_error("history: " + std::to_string(r.status) + " " + r.body);
    return r.json();
}

bool World::wait_archived(const std::string& text, const std::string& room) const {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    for (;;) {
        for (const auto& m : history(room))
            if (m.value("text", "") == text) return true;
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(100ms);
    }
}

bool World::wait_archived_count(std::size_t n, const std::string& room) const {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (history(room).size() < n) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

bool runs_mqchat(const Tmux& tui) {
    // Not #{pane_current_command}: that names the foreground process group's
    // leader, the non-interactive sh that runs mqchat in its own group.
    const std::string shell = tui.display("#{pane_pid}");
    std::istringstream children(read_file("/proc/" + shell + "/task/" + shell + "/children"));
    std::string child;
    while (children >> child) {
        std::string comm = read_file("/proc/" + child + "/comm");
        while (!comm.empty() && comm.back() == '\n')
            comm.pop_back();
        if (comm == "mqchat") return true;
    }
    return false;
}

bool contains(const ScreenRows& rows, const std::string& needle) {
    return row_of(rows, needle) >= 0;
}

int row_of(const ScreenRows& rows, const std::string& needle) {
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].find(needle) != std::string::npos) return static_cast<int>(i);
    return -1;
}

const std::string& status_row(const ScreenRows& rows) {
    static const std::string none;
    return rows.size() >= 2 ? rows[rows.size() - 2] : none;
}

const std::string& input_row(const ScreenRows& rows) {
    static const std::string none;
    return rows.empty() ? none : rows.back();
}

bool ready(const ScreenRows& rows, const std::string& room) {
    return !rows.empty() && rows[0].find("#" + room) != std::string::npos &&
           rows[0].find("loading") == std::string::npos &&
           status_row(rows).find("● connected") != std::string::npos;
}

StyledScreen parse_escapes(const std::string& captured) {
    StyledScreen screen;
    screen.rows.emplace_back();
    int fg = -1;
    bool bold = false;
    for (std::size_t i = 0; i < captured.size();) {
        const char c = captured[i];
        if (c == '\n') {
            screen.rows.emplace_back();
            ++i;
            continue;
        }
        if (c != '\x1b') {
            screen.rows.back().text += c;
            screen.rows.back().fg.push_back(fg);
            screen.rows.back().bold.push_back(bold);
            ++i;
            continue;
        }
        // ESC [ params final: a CSI; anything else is kept whole up to the
        // next ESC or line end so it shows in a failure message.
        if (i + 1 < captured.size() && captured[i + 1] == '[') {
            std::size_t end = i + 2;
            while (end < captured.size() && !(captured[end] >= 0x40 && captured[end] <= 0x7e))
                ++end;
            const std::string params = captured.substr(i + 2, end - i - 2);
            if (end < captured.size() && captured[end] == 'm') {
                screen.sgr.push_back(params);
                const auto numbers = numbers_of(params);
                for (std::size_t k = 0; k < numbers.size(); ++k) {
                    const int p = numbers[k];
                    if (p == 0 || p == 39) fg = -1;
                    if (p == 0 || p == 22) bold = false;
                    if (p == 1) bold = true;
                    if (p >= 30 && p <= 37) fg = p - 30;
                    if (p >= 90 && p <= 97) fg = p - 90 + 8;
                    if ((p == 38 || p == 48) && k + 1 < numbers.size()) {
                        const std::size_t skip = numbers[k + 1] == 5 ? 2 : 4;
                        if (p == 38)
                            fg = numbers[k + 1] == 5 && k + 2 < numbers.size() ? numbers[k + 2]
                                                                               : 256;
                        k += skip;
                    }
                }
            } else {
                screen.other_escapes.push_back(
                    captured.substr(i, std::min(end + 1, captured.size()) - i));
            }
            i = end + 1;
            continue;
        }
        std::size_t end = i + 1;
        while (end < captured.size() && captured[end] != '\x1b' && captured[end] != '\n')
            ++end;
        screen.other_escapes.push_back(captured.substr(i, end - i));
        i = end;
    }
    return screen;
}

bool StyledRow::is_bold(const std::string& needle) const {
    const auto at = text.find(needle);
    if (at == std::string::npos) return false;
    for (std::size_t i = at; i < at + needle.size(); ++i)
        if (!bold[i]) return false;
    return true;
}

std::vector<std::string> colour_sgr(const StyledScreen& screen) {
    std::vector<std::string> out;
    for (const auto& params : screen.sgr) {
        const auto numbers = numbers_of(params);
        for (std::size_t k = 0; k < numbers.size(); ++k) {
            if (numbers[k] == 38 || numbers[k] == 48) {
                out.push_back(params);  // extended colour
                break;
            }
            if (is_colour_parameter(numbers[k])) {
                out.push_back(params);
                break;
            }
        }
    }
    return out;
}

}  // namespace tuitest
