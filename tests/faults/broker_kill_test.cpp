// Fault 1: the embedded broker killed with SIGKILL three times during a
// stream from three senders to three tails, mosquitto_sub and a chat
// participant; mqchatd restarts it by itself. Everything acknowledged is
// shown once by every reader and archived once.
#include "fault_world.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;  // lines per second, per sender
constexpr int kKills = 3;
constexpr auto kBetweenKills = 5s;
const std::string kRoom = "stream";
const std::string kLounge = "lounge";  // the chat's room: quiet enough to stay on screen

std::string numbered(const std::string& prefix, int n) {
    return prefix + std::to_string(n);
}

// What the chat typed (acknowledged once its ✓ shows) and what was posted
// over HTTP, against the chat's --log and the archive.
Tally count_lounge(World& world, const Chat& chat, const std::vector<std::string>& posted,
                   Clock::time_point until) {
    Tally lounge("broker_kill lounge");
    EXPECT_TRUE(chat.wait_on_screen(chat.said(), true, until)) << chat.screen();
    chat.wait_on_screen(posted, false, until);  // the counts below say what is missing
    const auto unmarked = chat.missing(chat.said(), true);
    Acked typed{"chat", chat.said().size(), {}, true, std::nullopt};
    for (const auto& text : chat.said())
        if (std::find(unmarked.begin(), unmarked.end(), text) == unmarked.end())
            typed.texts.push_back(text);
    lounge.add_sender(typed);
    lounge.add_sender({"http", posted.size(), posted, true, std::nullopt});
    std::vector<std::string> all = chat.said();
    all.insert(all.end(), posted.begin(), posted.end());
    lounge.add_reader(chat.on_screen(all), ReaderKind::complete);
    if (auto log = chat.log()) lounge.add_reader(*log, ReaderKind::complete);
    const auto stored = [&] { return archive(world.stack, world.session(kReader), kLounge); };
    wait_shown(stored, lounge, until);
    lounge.add_reader(stored(), ReaderKind::complete);
    return lounge;
}

TEST(Faults, BrokerKilledDuringAStream) {
    World world({}, {"s1", "s2", "s3", kReader, "chatter"});
    Chat chat(world.person("chatter"), kLounge);
    ASSERT_TRUE(chat.wait_ready()) << chat.screen();
    Stream stream(world, kRoom);
    ASSERT_TRUE(stream.open(3, 3));

    stream.start(kRate);
    std::vector<Clock::time_point> kills;
    std::vector<std::string> posted;
    for (int k = 1; k <= kKills; ++k) {
        std::this_thread::sleep_for(kBetweenKills);
        kills.push_back(Clock::now());
        ASSERT_TRUE(kill_broker(world.stack)) << "no new broker: " << world.stack.log();
        // While it is down and coming back: the chat types, another account posts.
        const std::string round = std::to_string(k) + "-";
        chat.say(numbered("c" + round, 1));
        for (int j = 1; j <= (k == kKills ? 4 : 3); ++j) {
            posted.push_back(numbered("p" + round, j));
            EXPECT_TRUE(post_message(world.stack, world.session(kReader), kLounge, posted.back(),
                                     posted.back()))
                << posted.back();
        }
        chat.say(numbered("c" + round, 2));
    }
    std::this_thread::sleep_for(kBetweenKills);

    const auto until = Clock::now() + kSettle;
    Tally tally = stream.count("broker_kill x" + std::to_string(kKills), until);
    for (std::size_t k = 0; k < kills.size(); ++k)
        tally.note("kill " + std::to_string(k + 1) +
                   " back after s: " + stream.seconds_after(kills[k], kLinkBack));
    for (std::size_t i = 0; i < tally.senders().size(); ++i)
        EXPECT_EQ(tally.senders()[i].exit, 0) << stream.senders()[i]->process().err();
    expect_exactly_once(tally, world);
    const Tally lounge = count_lounge(world, chat, posted, until);
    expect_exactly_once(lounge, world);
    if (lounge.lost() > 0) ADD_FAILURE() << chat.screen();
}

}  // namespace
}  // namespace faults
