// stdout for message lines: buffered, flushed once per batch of events so no
// complete line waits, with write errors reported instead of lost.
#pragma once

#include <string>
#include <string_view>

namespace mqchat::platform {

class Output {
  public:
    enum class Status { ok, closed, failed };

    explicit Output(int fd) : fd_(fd) {}
    void append(std::string_view text) { buffer_.append(text); }
    // Writes everything buffered. `closed`: the reader went away (EPIPE);
    // `failed`: another error, described by error_text().
    Status flush();
    const std::string& error_text() const { return error_; }

  private:
    int fd_;
    std::string buffer_;
    std::string error_;
};

}  // namespace mqchat::platform
