// Running the real mqchat binary against a test broker.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/broker.hpp"
#include "support/process.hpp"

namespace testsupport {

// The binary under test: the build's own, or $MQCHAT_TEST_BIN (for example a
// sanitizer build of mqchat run by this suite).
inline std::string mqchat_bin() {
    const char* override_bin = std::getenv("MQCHAT_TEST_BIN");
    return override_bin && *override_bin ? override_bin : MQCHAT_BIN;
}

// mqchat ROOM --no-auth --broker URL <extra...>
inline std::vector<std::string> mqchat_argv(const std::string& url, const std::string& room,
                                            std::vector<std::string> extra) {
    std::vector<std::string> argv{mqchat_bin(), room, "--no-auth", "--broker", url};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

// An `mqchat --tail -v` that has subscribed (it says so on stderr with -v).
class Tail {
  public:
    Tail(const std::string& url, const std::string& room, std::vector<std::string> extra = {},
         ProcessOptions options = {}) {
        extra.insert(extra.begin(), {"--tail", "-v"});
        process_ = std::make_unique<Process>(mqchat_argv(url, room, extra), options);
        if (!process_->wait_for_err("subscribed to chat/" + room + "/messages"))
            throw std::runtime_error("mqchat --tail did not subscribe: " + process_->err());
    }
    Process& process() { return *process_; }

  private:
    std::unique_ptr<Process> process_;
};

inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        if (nl == std::string::npos) {
            lines.push_back(text.substr(pos));
            break;
        }
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

}  // namespace testsupport
