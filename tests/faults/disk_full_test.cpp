// Fault 6: the data dir on a 3 MB tmpfs, streamed into until it is full,
// then the tmpfs grown. A sender either exits 0 with every line archived or
// exits 7/8 naming the full disk; no line is ever acknowledged and not
// archived; /healthz says why while full; afterwards everything recovers
// (a sender that failed is run again with the same ids when the build has
// --id, and a new sender gets through).
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fault_world.hpp"

namespace faults {
namespace {

constexpr int kRate = 50;
constexpr int kLinesAfter = 100;
constexpr auto kIntoTheFullDisk = 3s;
const std::string kRoom = "stream";

// A tmpfs mounted on a fresh temp dir, lazily unmounted on destruction.
class Tmpfs {
  public:
    explicit Tmpfs(const std::string& size) {
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("mode=0700,size=" + size).c_str()) !=
            0)
            error_ = std::strerror(errno);
    }
    ~Tmpfs() {
        if (mounted()) ::umount2(dir_.path().c_str(), MNT_DETACH);
    }
    bool mounted() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::string& path() const { return dir_.path(); }
    bool resize(const std::string& size) {
        return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT,
                       ("mode=0700,size=" + size).c_str()) == 0;
    }
    std::uint64_t free_bytes() const {
        struct statvfs fs {};
        ::statvfs(dir_.path().c_str(), &fs);
        return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_bsize;
    }

  private:
    TempDir dir_;
    std::string error_;
};

bool names_full_disk(const std::string& text) {
    for (const char* word : {"space", "full", "Space", "Full"})
        if (text.find(word) != std::string::npos) return true;
    return false;
}

bool poll_until(const std::function<bool()>& done, Clock::time_point until) {
    while (!done()) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

// The same lines again with the same --id key: acknowledged ones must not
// come back as new messages.
Acked retry(World& world, const Sender& failed, const std::string& room, Clock::time_point until) {
    Sender again(world.person(failed.name()), failed.name(), room);
    for (const auto& text : failed.texts())
        again.send(text);
    Acked acked = again.finish(until);
    acked.name += " retry";
    EXPECT_EQ(acked.exit, 0) << again.process().err();
    return acked;
}

// A new sender once the disk has room again: it must get through.
Acked send_after(World& world, const std::string& room, Clock::time_point until) {
    Sender after(world.person("s1"), "after", room);
    for (int n = 1; n <= kLinesAfter; ++n)
        after.send("after-" + std::to_string(n));
    Acked acked = after.finish(until);
    EXPECT_EQ(acked.exit, 0) << after.process().err();
    return acked;
}

TEST(Faults, DataDirFillsUpThenGrows) {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs for the data dir needs root";
    Tmpfs disk("3m");
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a 3 MB tmpfs: " << disk.error();
    World world({disk.path() + "/data", {}}, {"s1", "s2", kReader});
    Stream stream(world, kRoom);
    // A 10 s acknowledgement window: a refused or stuck message ends a sender
    // within the case, which is one of the two outcomes allowed.
    ASSERT_TRUE(stream.open(1, 2, false, {}, 10));

    const auto started = Clock::now();
    stream.start(kRate);
    ASSERT_TRUE(poll_until([&] { return disk.free_bytes() < 64 * 1024; }, Clock::now() + kDeadline))
        << disk.free_bytes() << " bytes still free";
    const double full_after = std::chrono::duration<double>(Clock::now() - started).count();
    std::this_thread::sleep_for(kIntoTheFullDisk);
    const HttpResult health_full = world.stack.http().get("/healthz");
    stream.stop();

    ASSERT_TRUE(disk.resize("64m")) << std::strerror(errno);
    const auto grown = Clock::now();
    const bool healthy = poll_until(
        [&] { return world.stack.http().get("/healthz").status == 200; }, grown + kDeadline);
    const double healthy_after = std::chrono::duration<double>(Clock::now() - grown).count();

    const auto until = Clock::now() + kSettle;
    std::vector<Acked> more;
    const auto first_run = stream.finish(until);
    for (std::size_t i = 0; i < first_run.size(); ++i) {
        const auto exit = first_run[i].exit;
        const Sender& sender = *stream.senders()[i];
        const std::string err = stream.senders()[i]->process().err();
        EXPECT_TRUE(exit == 0 || exit == 7 || exit == 8) << "exit " << exit.value_or(-1) << err;
        if (exit == 7 || exit == 8) {
            EXPECT_TRUE(names_full_disk(err)) << "exit " << *exit << " without a reason: " << err;
            if (features().send_id) more.push_back(retry(world, sender, kRoom, until));
        }
    }
    more.push_back(send_after(world, kRoom, until));

    Tally tally = stream.count("disk_full 3MB", until, more);
    tally.note("full after " + seconds_text(full_after) + " s");
    tally.note("/healthz while full: " + std::to_string(health_full.status) + " " +
               health_full.body);
    tally.note("healthy again " +
               (healthy ? "after " + seconds_text(healthy_after) + " s" : std::string("never")));
    EXPECT_EQ(health_full.status, 503) << health_full.body;
    EXPECT_TRUE(names_full_disk(health_full.body)) << health_full.body;
    EXPECT_TRUE(healthy) << world.stack.log();
    expect_exactly_once(tally, world);
}

}  // namespace
}  // namespace faults
