// Fault 4: the network path between the clients and the broker cut by a
// proxy, once each way: every connection reset, then 10 s of blackhole
// (silence both ways), then a trickle of a byte per 2 ms. Senders and tails
// go through the proxy (mosquitto_sub, the independent reader, does not):
// nothing acknowledged is lost or shown twice.
#include "fault_world.hpp"
#include "support/cutting_proxy.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;
const std::string kRoom = "stream";

struct Phase {
    ProxyMode mode;
    std::chrono::milliseconds cut;    // how long the mode lasts
    std::chrono::milliseconds after;  // then passing again for this long
};

constexpr std::chrono::milliseconds kTrickleByte = 2ms;

TEST(Faults, NetworkPathResetBlackholedAndTrickled) {
    World world({}, {"s1", "s2", "s3", kReader});
    CuttingProxy proxy(world.stack.mqtt_port());
    Stream stream(world, kRoom);
    ASSERT_TRUE(stream.open(3, 3, true, {"--broker", proxy.url()}));

    stream.start(kRate);
    std::this_thread::sleep_for(3s);
    const std::vector<Phase> phases{
        {ProxyMode::reset, 2s, 5s}, {ProxyMode::blackhole, 10s, 5s}, {ProxyMode::trickle, 8s, 4s}};
    std::vector<std::string> notes;
    for (const auto& phase : phases) {
        const auto cut = Clock::now();
        proxy.set_mode(phase.mode, kTrickleByte);
        std::this_thread::sleep_for(phase.cut);
        proxy.set_mode(ProxyMode::pass);
        std::this_thread::sleep_for(phase.after);
        notes.push_back(to_string(phase.mode) +
                        " noticed after s: " + stream.seconds_after(cut, kLinkLost) +
                        "; back after s: " + stream.seconds_after(cut, kLinkBack));
    }

    Tally tally = stream.count("proxy reset/blackhole 10s/trickle", Clock::now() + kSettle);
    for (const auto& note : notes)
        tally.note(note);
    tally.note(std::to_string(proxy.accepted()) + " connections through the proxy");
    for (std::size_t i = 0; i < tally.senders().size(); ++i)
        EXPECT_EQ(tally.senders()[i].exit, 0) << stream.senders()[i]->process().err();
    expect_exactly_once(tally, world);
}

}  // namespace
}  // namespace faults
