// A Display for headless chat tests: keys the test types arrive through a
// pipe the loop polls, like a terminal's, and every frame the loop draws is
// kept so the test can read the screen as text.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/key.hpp"
#include "core/screen.hpp"
#include "tui/display.hpp"

namespace mqchat::fakes {

// The test's side of the display (the session owns the FakeDisplay that
// factory() makes, and may make it more than once). Thread-safe.
class FakeTerminal {
  public:
    FakeTerminal(int width = 80, int height = 24);
    ~FakeTerminal();
    FakeTerminal(const FakeTerminal&) = delete;
    FakeTerminal& operator=(const FakeTerminal&) = delete;

    // For SessionPorts::display. This object must outlive every display made.
    std::function<std::unique_ptr<tui::Display>(bool color)> factory();

    // --- input
    void press(Key key);
    void press(std::vector<Key> keys);  // delivered together, in order
    void type(const std::string& text);
    void type_line(const std::string& text);  // text, then Enter
    void resize(int width, int height);

    // --- output
    std::size_t frame_count() const;
    std::vector<Screen> frames() const;
    // The last frame's rows, right-trimmed ({} before the first frame).
    std::vector<std::string> last_lines() const;
    std::string last_text() const;
    // Waits until the frame showing now or one drawn later satisfies
    // `ready`; false after `timeout`.
    bool wait_for_frame(const std::function<bool(const std::string& text)>& ready,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // Waits until some line of the last frame contains `needle`.
    bool wait_for_text(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    int suspends() const;
    int displays_made() const;
    bool color_requested() const;

  private:
    friend class FakeDisplay;

    std::vector<Key> take_keys();
    bool take_resize();
    void record(const Screen& screen);
    void on_suspend();
    static void wake(int fd);
    static void drain(int fd);

    int key_pipe_[2] = {-1, -1};
    int resize_pipe_[2] = {-1, -1};
    mutable std::mutex mutex_;
    mutable std::condition_variable drawn_;
    std::deque<Key> keys_;
    int width_;
    int height_;
    bool resized_ = false;
    std::vector<Screen> frames_;
    int suspends_ = 0;
    int displays_made_ = 0;
    bool color_ = false;
};

// The Display the session holds: a view of its FakeTerminal.
class FakeDisplay final : public tui::Display {
  public:
    explicit FakeDisplay(FakeTerminal& terminal) : terminal_(terminal) {}
    int input_fd() const override { return terminal_.key_pipe_[0]; }
    int resize_fd() const override { return terminal_.resize_pipe_[0]; }
    std::vector<Key> read_keys() override { return terminal_.take_keys(); }
    bool take_resize() override { return terminal_.take_resize(); }
    int width() const override;
    int height() const override;
    void draw(const Screen& screen) override { terminal_.record(screen); }
    void suspend() override { terminal_.on_suspend(); }
    void resume() override {}

  private:
    FakeTerminal& terminal_;
};

// The rows of `screen`, right-trimmed.
std::vector<std::string> screen_lines(const Screen& screen);

}  // namespace mqchat::fakes
