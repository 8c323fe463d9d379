// Child processes for integration tests: start a real binary with pipes,
// collect its output in the background, poll for text with generous deadlines.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

using namespace std::chrono_literals;

// Deadlines are generous on purpose: tests poll until something happens and
// never assert on how fast it happened.
inline constexpr auto kDeadline = 60s;

struct ProcessOptions {
    std::vector<std::string> env;  // extra NAME=VALUE entries
    bool pipe_stdin = false;       // otherwise stdin is /dev/null
};

class Process {
  public:
    Process(const std::vector<std::string>& argv, const ProcessOptions& options = {});
    ~Process();  // SIGKILLs and reaps a child still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void write_stdin(const std::string& data);
    void close_stdin();
    void signal(int sig);

    std::string out() const;  // everything read from stdout so far
    std::string err() const;

    // Polls until `pred(stdout, stderr)` holds or the deadline passes.
    bool wait_for(const std::function<bool(const std::string&, const std::string&)>& pred,
                  std::chrono::milliseconds deadline = kDeadline) const;
    bool wait_for_out(const std::string& needle,
                      std::chrono::milliseconds deadline = kDeadline) const;
    bool wait_for_err(const std::string& needle,
                      std::chrono::milliseconds deadline = kDeadline) const;

    // Exit status (128+N for signal N), or nullopt if still running at the deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds deadline = kDeadline);
    bool running();

    struct Pipes;  // output collected by the reader thread

  private:
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    std::optional<int> status_;
    std::shared_ptr<Pipes> pipes_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// Runs a command to completion (stdin from `input`), returning exit status and stdout.
struct RunResult {
    int status = -1;
    std::string out;
    std::string err;
};
RunResult run(const std::vector<std::string>& argv, const std::string& input = "",
              const ProcessOptions& options = {});

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string write(const std::string& name,
                      const std::string& content) const;  // returns the path

  private:
    std::string path_;
};

}  // namespace testsupport
