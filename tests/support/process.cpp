// fork/exec with pipes, background readers, polling waits, temp dirs.
#include "process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace testsupport {

struct Process::Pipes {
    mutable std::mutex mutex;
    std::string out;
    std::string err;
    std::thread reader;
};

namespace {

void read_pipes(int out_fd, int err_fd, std::shared_ptr<Process::Pipes> pipes) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_count = 2;
    char buf[65536];
    while (open_count > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
                continue;
            }
            std::lock_guard lock(pipes->mutex);
            (i == 0 ? pipes->out : pipes->err).append(buf, static_cast<std::size_t>(n));
        }
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const ProcessOptions& options)
    : pipes_(std::make_shared<Pipes>()) {
    int in_pipe[2] = {-1, -1};
    int out_pipe[2];
    int err_pipe[2];
    if (options.pipe_stdin && ::pipe2(in_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
        env_strings.emplace_back(*e);
    for (const auto& extra : options.env)
        env_strings.push_back(extra);
    std::vector<char*> envp;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& a : args)
        argp.push_back(a.data());
    argp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (options.pipe_stdin) {
            ::dup2(in_pipe[0], STDIN_FILENO);
        } else {
            const int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, STDIN_FILENO);
        }
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::execve(argp[0], argp.data(), envp.data());
        const std::string msg = "exec failed: " + args[0] + ": " + std::strerror(errno) + "\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    if (options.pipe_stdin) {
        ::close(in_pipe[0]);
        stdin_fd_ = in_pipe[1];
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    pipes_->reader = std::thread(read_pipes, out_pipe[0], err_pipe[0], pipes_);
}

Process::~Process() {
    close_stdin();
    if (running()) {
        ::kill(-pid_, SIGKILL);  // the whole group: a shell's children too
        wait_exit();
    }
    if (pipes_->reader.joinable()) pipes_->reader.join();
}

void Process::write_stdin(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("write to child stdin failed");
        done += static_cast<std::size_t>(n);
    }
}

void Process::close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

void Process::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

std::string Process::out() const {
    std::lock_guard lock(pipes_->mutex);
    return pipes_->out;
}

std::string Process::err() const {
    std::lock_guard lock(pipes_->mutex);
    return pipes_->err;
}

bool Process::wait_for(const std::function<bool(const std::string&, const std::string&)>& pred,
                       std::chrono::milliseconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (pred(out(), err())) return true;
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(10ms);
    }
}

bool Process::wait_for_out(const std::string& needle, std::chrono::milliseconds deadline) const {
    return wait_for([&](const std::string& o,
                        const std::string&) { return o.find(needle) != std::string::npos; },
                    deadline);
}

bool Process::wait_for_err(const std::string& needle, std::chrono::milliseconds deadline) const {
    return wait_for([&](const std::string&,
                        const std::string& e) { return e.find(needle) != std::string::npos; },
                    deadline);
}

bool Process::running() {
    if (status_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = decode_status(status);
        return false;
    }
    return r == 0;
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (running()) {
        if (std::chrono::steady_clock::now() > until) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
    if (pipes_->reader.joinable()) pipes_->reader.join();  // all output collected
    return status_;
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

RunResult run(const std::vector<std::string>& argv, const std::string& input,
              const ProcessOptions& options) {
    ProcessOptions o = options;
    o.pipe_stdin = true;
    Process p(argv, o);
    std::thread writer([&] {
        try {
            p.write_stdin(input);
        } catch (...) {  // the child may exit without reading everything
        }
        p.close_stdin();
    });
    auto status = p.wait_exit();
    writer.join();
    return {status.value_or(-1), p.out(), p.err()};
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mqchat-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
}

}  // namespace testsupport

namespace {
// A child that exits early closes its stdin pipe; writes must fail with EPIPE
// rather than kill the test binary.
[[maybe_unused]] const bool kIgnoreSigpipe = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();
}  // namespace
