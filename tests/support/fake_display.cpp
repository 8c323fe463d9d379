// The fake terminal: key and resize pipes, and the record of drawn frames.
#include "support/fake_display.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace mqchat::fakes {

namespace {

void open_pipe(int (&fds)[2]) {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
}

void close_pipe(int (&fds)[2]) {
    for (int& fd : fds) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

}  // namespace

std::vector<std::string> screen_lines(const Screen& screen) {
    std::vector<std::string> lines;
    const std::string text = screen.text();
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

FakeTerminal::FakeTerminal(int width, int height) : width_(width), height_(height) {
    open_pipe(key_pipe_);
    open_pipe(resize_pipe_);
}

FakeTerminal::~FakeTerminal() {
    close_pipe(key_pipe_);
    close_pipe(resize_pipe_);
}

std::function<std::unique_ptr<tui::Display>(bool)> FakeTerminal::factory() {
    return [this](bool color) -> std::unique_ptr<tui::Display> {
        std::lock_guard lock(mutex_);
        ++displays_made_;
        color_ = color;
        return std::make_unique<FakeDisplay>(*this);
    };
}

// One byte per batch: the loop polls the pipe, then takes every queued key.
void FakeTerminal::wake(int fd) {
    const char byte = 'k';
    while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
    }
}

void FakeTerminal::drain(int fd) {
    char buf[256];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
}

void FakeTerminal::press(Key key) {
    press(std::vector<Key>{std::move(key)});
}

void FakeTerminal::press(std::vector<Key> keys) {
    {
        std::lock_guard lock(mutex_);
        for (auto& k : keys)
            keys_.push_back(std::move(k));
    }
    wake(key_pipe_[1]);
}

void FakeTerminal::type(const std::string& text) {
    press(Key::typed(text));
}

void FakeTerminal::type_line(const std::string& text) {
    press({Key::typed(text), Key::of(Key::Kind::enter)});
}

void FakeTerminal::resize(int width, int height) {
    {
        std::lock_guard lock(mutex_);
        width_ = width;
        height_ = height;
        resized_ = true;
    }
    wake(resize_pipe_[1]);
}

std::vector<Key> FakeTerminal::take_keys() {
    drain(key_pipe_[0]);
    std::lock_guard lock(mutex_);
    std::vector<Key> out(keys_.begin(), keys_.end());
    keys_.clear();
    return out;
}

bool FakeTerminal::take_resize() {
    drain(resize_pipe_[0]);
    std::lock_guard lock(mutex_);
    const bool was = resized_;
    resized_ = false;
    return was;
}

void FakeTerminal::record(const Screen& screen) {
    std::lock_guard lock(mutex_);
    frames_.push_back(screen);
    drawn_.notify_all();
}

void FakeTerminal::on_suspend() {
    std::lock_guard lock(mutex_);
    ++suspends_;
}

int FakeDisplay::width() const {
    std::lock_guard lock(terminal_.mutex_);
    return terminal_.width_;
}

int FakeDisplay::height() const {
    std::lock_guard lock(terminal_.mutex_);
    return terminal_.height_;
}

std::size_t FakeTerminal::frame_count() const {
    std::lock_guard lock(mutex_);
    return frames_.size();
}

std::vector<Screen> FakeTerminal::frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
}

std::vector<std::string> FakeTerminal::last_lines() const {
    std::lock_guard lock(mutex_);
    if (frames_.empty()) return {};
    return screen_lines(frames_.back());
}

std::string FakeTerminal::last_text() const {
    std::lock_guard lock(mutex_);
    return frames_.empty() ? std::string() : frames_.back().text();
}

// Every frame drawn since the call (and the one showing then) is looked at,
// so a state the screen passes through quickly is not missed.
bool FakeTerminal::wait_for_frame(const std::function<bool(const std::string&)>& ready,
                                  std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    std::size_t next = frames_.empty() ? 0 : frames_.size() - 1;
    for (;;) {
        for (; next < frames_.size(); ++next)
            if (ready(frames_[next].text())) return true;
        if (drawn_.wait_until(lock, deadline) == std::cv_status::timeout && next == frames_.size())
            return false;
    }
}

bool FakeTerminal::wait_for_text(const std::string& needle,
                                 std::chrono::milliseconds timeout) const {
    return wait_for_frame(
        [&needle](const std::string& text) { return text.find(needle) != std::string::npos; },
        timeout);
}

int FakeTerminal::suspends() const {
    std::lock_guard lock(mutex_);
    return suspends_;
}

int FakeTerminal::displays_made() const {
    std::lock_guard lock(mutex_);
    return displays_made_;
}

bool FakeTerminal::color_requested() const {
    std::lock_guard lock(mutex_);
    return color_;
}

}  // namespace mqchat::fakes
