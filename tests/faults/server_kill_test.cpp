// Fault 2: mqchatd killed with SIGKILL during a stream and started again on
// the same data dir. Everything acknowledged is archived exactly once
// afterwards; tails recover; a sender recovers or exits with a documented
// code (7, 8), and nothing it had acknowledged is lost either way.
#include <signal.h>

#include "fault_world.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;
const std::string kRoom = "stream";

bool process_gone(pid_t pid, Clock::time_point until) {
    while (::kill(pid, 0) == 0) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

TEST(Faults, ServerKilledAndRestartedOnItsDataDir) {
    World world({}, {"s1", "s2", "s3", kReader});
    Stream stream(world, kRoom);
    ASSERT_TRUE(stream.open(3, 3));

    stream.start(kRate);
    std::this_thread::sleep_for(5s);
    const auto broker = world.stack.broker_pid();
    ASSERT_TRUE(broker.has_value());
    const auto killed = Clock::now();
    world.stack.stop(SIGKILL);
    // Its broker goes with it (SIGTERM from the parent-death signal); the new
    // mqchatd needs the ports back.
    ASSERT_TRUE(process_gone(*broker, Clock::now() + kDeadline)) << "the old broker stays";
    ASSERT_NO_THROW(world.stack.start()) << world.stack.log();
    const double restarted = std::chrono::duration<double>(Clock::now() - killed).count();
    std::this_thread::sleep_for(8s);

    Tally tally = stream.count("mqchatd_kill", Clock::now() + kSettle);
    tally.note("mqchatd ready again after " + seconds_text(restarted) + " s");
    tally.note("back after s: " + stream.seconds_after(killed, kLinkBack));
    for (std::size_t i = 0; i < tally.senders().size(); ++i) {
        const auto exit = tally.senders()[i].exit;
        EXPECT_TRUE(exit == 0 || exit == 7 || exit == 8)
            << "exit " << exit.value_or(-1) << ": " << stream.senders()[i]->process().err();
    }
    for (const auto& t : stream.tails())
        EXPECT_TRUE(t->process().running()) << t->name() << " ended: " << t->process().err();
    expect_exactly_once(tally, world);
}

}  // namespace
}  // namespace faults
