// Fault 3: the broker stopped (SIGSTOP) for 20 s, then continued: every link
// to it is half-open meanwhile. Nothing acknowledged is lost or shown twice;
// how long each client took to notice the dead link is recorded (about twice
// its keepalive is expected, not asserted); a one-shot `--send TEXT -W 5`
// started during the stop ends with exit 8 well before a 15 s deadline.
#include <signal.h>

#include "fault_world.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;
constexpr auto kStopped = 20s;
constexpr auto kOneShotDeadline = 15s;
const std::string kRoom = "stream";

// SIGCONT on every way out, so a failed assertion leaves no stopped broker.
struct ContinueOnExit {
    pid_t pid;
    ~ContinueOnExit() { ::kill(pid, SIGCONT); }
};

TEST(Faults, BrokerStoppedLeavesHalfOpenLinks) {
    World world({}, {"s1", "s2", kReader});
    Stream stream(world, kRoom);
    ASSERT_TRUE(stream.open(2, 2));

    stream.start(kRate);
    std::this_thread::sleep_for(4s);
    const auto broker = world.stack.broker_pid();
    ASSERT_TRUE(broker.has_value());
    const auto stopped = Clock::now();
    ::kill(*broker, SIGSTOP);
    const ContinueOnExit guard{*broker};
    std::this_thread::sleep_for(3s);

    const std::string text = "one-shot during the stop";
    const auto started = Clock::now();
    Process one_shot({mqchat_bin(), kRoom, "--send", text, "-W", "5"},
                     ProcessOptions{world.person("s1").env(), false});
    const auto one_shot_exit = one_shot.wait_exit(kOneShotDeadline);
    const double one_shot_s = std::chrono::duration<double>(Clock::now() - started).count();
    std::this_thread::sleep_until(stopped + kStopped);
    ::kill(*broker, SIGCONT);
    std::this_thread::sleep_for(6s);
    const auto late_exit = one_shot_exit ? one_shot_exit : one_shot.wait_exit(kSettle);

    Tally tally = stream.count("broker_sigstop 20s", Clock::now() + kSettle);
    if (late_exit == 0) tally.add_sender({"one-shot", 1, {text}, true, 0});
    tally.note("noticed after s: " + stream.seconds_after(stopped, kLinkLost));
    tally.note("back after s: " + stream.seconds_after(stopped, kLinkBack));
    tally.note("one-shot -W 5: " +
               (one_shot_exit ? "exit " + std::to_string(*one_shot_exit) + " after " +
                                    seconds_text(one_shot_s) + " s"
                              : "still running at " + seconds_text(one_shot_s) + " s, exit " +
                                    std::to_string(late_exit.value_or(-1)) + " later"));
    EXPECT_EQ(one_shot_exit, 8) << "after " << one_shot_s << " s: " << one_shot.err();
    for (std::size_t i = 0; i < tally.senders().size() && i < stream.senders().size(); ++i)
        EXPECT_EQ(tally.senders()[i].exit, 0) << stream.senders()[i]->process().err();
    expect_exactly_once(tally, world);
}

}  // namespace
}  // namespace faults
