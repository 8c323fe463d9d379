// Fault 5: tokens that live 5 s (`mqchatd serve --token-ttl 5`) for about
// 40 s under a stream. Tails lose nothing and show nothing twice; a busy
// `--send -` renews its token in time and is never disconnected for expiry.
// (No mosquitto_sub here: with a fixed 5 s token it could not stay.)
#include <sstream>

#include "fault_world.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;
constexpr auto kStreamFor = 40s;
const std::string kRoom = "stream";

// The plugin logs each expiry kick: `token of client "<id>" expired`.
int expiry_kicks(const Stack& stack, const std::string& account) {
    const std::string needle = "token of client \"" + account + "-";
    std::istringstream lines(read_file(stack.data_dir() + "/mosquitto.log"));
    int kicks = 0;
    for (std::string line; std::getline(lines, line);)
        if (line.find(needle) != std::string::npos && line.find("expired") != std::string::npos)
            ++kicks;
    return kicks;
}

// Lines where the client reports its link lost, besides the planned
// reconnects with a new token.
int links_lost(const std::string& stderr_text) {
    std::istringstream lines(stderr_text);
    int lost = 0;
    for (std::string line; std::getline(lines, line);)
        if (line.find("lost") != std::string::npos && line.find("new token") == std::string::npos)
            ++lost;
    return lost;
}

TEST(Faults, ShortLivedTokensUnderAStream) {
    World world({{}, {"--token-ttl", "5"}}, {"s1", kReader});
    Stream stream(world, kRoom);
    ASSERT_TRUE(stream.open(2, 1, false));

    stream.start(kRate);
    std::this_thread::sleep_for(kStreamFor);

    Tally tally = stream.count("token_ttl 5s for 40s", Clock::now() + kSettle);
    const int sender_kicks = expiry_kicks(world.stack, world.id("s1"));
    const int tail_kicks = expiry_kicks(world.stack, world.id(kReader));
    tally.note("expiry kicks (broker log): sender " + std::to_string(sender_kicks) + ", tails " +
               std::to_string(tail_kicks));
    tally.note("links lost (stderr): sender " +
               std::to_string(links_lost(stream.senders().at(0)->process().err())));
    EXPECT_EQ(tally.senders().at(0).exit, 0) << stream.senders().at(0)->process().err();
    EXPECT_EQ(sender_kicks, 0) << read_file(world.stack.data_dir() + "/mosquitto.log");
    expect_exactly_once(tally, world);
}

}  // namespace
}  // namespace faults
