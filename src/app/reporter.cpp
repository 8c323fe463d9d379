// stderr output of diagnostics.
#include "reporter.hpp"

#include <unistd.h>

#include <string>

#include "core/sanitize.hpp"

namespace mqchat::app {

std::string seconds_text(std::chrono::milliseconds d) {
    const auto ms = d.count();
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
        std::string frac = std::to_string(1000 + ms % 1000).substr(1);
        while (frac.back() == '0')
            frac.pop_back();
        text += "." + frac;
    }
    return text + " s";
}

void Reporter::print(std::string_view stage, std::string_view cause) const {
    std::string line = "mqchat: ";
    line += sanitize(stage);
    line += ": ";
    line += sanitize(cause);
    line += '\n';
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

void Reporter::error(std::string_view stage, std::string_view cause) const {
    print(stage, cause);
}

void Reporter::warn(std::string_view stage, std::string_view cause) const {
    if (verbosity_ >= 0) print(stage, cause);
}

void Reporter::info(std::string_view stage, std::string_view cause) const {
    if (verbosity_ > 0) print(stage, cause);
}

}  // namespace mqchat::app
