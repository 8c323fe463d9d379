// Diagnostics on stderr: one line each, "mqchat: <stage>: <cause>", sanitized
// because causes often quote the network. stdout never carries these.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mqchat::app {

// "10 s", "2.5 s": durations as people read them in messages.
std::string seconds_text(std::chrono::milliseconds d);

class Reporter {
  public:
    explicit Reporter(int verbosity) : verbosity_(verbosity) {}
    void error(std::string_view stage, std::string_view cause) const;  // always shown
    void warn(std::string_view stage, std::string_view cause) const;   // hidden by -q
    void info(std::string_view stage, std::string_view cause) const;   // only with -v
    bool verbose() const { return verbosity_ > 0; }

  private:
    void print(std::string_view stage, std::string_view cause) const;
    int verbosity_;
};

}  // namespace mqchat::app
