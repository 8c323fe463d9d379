// mqchat_soak, the driver of bench/soak.sh: N senders (one account each) at
// R lines/s for D s against the embedded stack, its broker killed every K s;
// prints what was lost and shown twice, reconnect p50/p95 and the RSS and
// open fds of mqchatd, mosquitto and the clients over time.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fault_world.hpp"

namespace faults {
namespace {

struct Settings {
    int senders = 20;
    int rate = 50;  // lines per second, per sender
    int duration_s = 600;
    int kill_every_s = 60;
    int tails = 2;
    int sample_every_s = 5;
};

const char* kUsage =
    "usage: mqchat_soak [--senders N] [--rate R] [--duration S] [--kill-every S] [--tails N]\n"
    "                   [--sample-every S]\n";

std::optional<Settings> parse(int argc, char** argv) {
    Settings s;
    const std::vector<std::pair<std::string, int*>> options{
        {"--senders", &s.senders},     {"--rate", &s.rate},
        {"--duration", &s.duration_s}, {"--kill-every", &s.kill_every_s},
        {"--tails", &s.tails},         {"--sample-every", &s.sample_every_s}};
    for (int i = 1; i < argc; i += 2) {
        const auto it = std::find_if(options.begin(), options.end(),
                                     [&](const auto& o) { return o.first == argv[i]; });
        if (it == options.end() || i + 1 >= argc) return std::nullopt;
        *it->second = std::atoi(argv[i + 1]);
        if (*it->second <= 0) return std::nullopt;
    }
    return s;
}

// --- /proc ------------------------------------------------------------------

struct Usage {
    double rss_mib = 0;
    int fds = 0;
};

Usage usage_of(pid_t pid) {
    Usage u;
    std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmRSS:")) u.rss_mib = std::atof(line.c_str() + 6) / 1024.0;
    if (DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (const dirent* e = ::readdir(dir))
            u.fds += e->d_name[0] == '.' ? 0 : 1;
        ::closedir(dir);
    }
    return u;
}

struct Sample {
    double t = 0;
    Usage mqchatd;
    Usage broker;
    Usage clients;  // summed over every sender and tail
    Usage worst;    // the largest single client
};

// Samples /proc every `every` from a thread until stopped.
class Sampler {
  public:
    Sampler(World& world, const Stream& stream, std::chrono::seconds every)
        : thread_([this, &world, &stream, every] {
              const auto start = Clock::now();
              for (auto next = start; !stopping_; next += every) {
                  samples_.push_back(take(world, stream, start));
                  while (!stopping_ && Clock::now() < next + every)
                      std::this_thread::sleep_for(100ms);
              }
          }) {}
    ~Sampler() { stop(); }
    void stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }
    const std::vector<Sample>& samples() const { return samples_; }

  private:
    static Sample take(World& world, const Stream& stream, Clock::time_point start) {
        Sample s;
        s.t = std::chrono::duration<double>(Clock::now() - start).count();
        s.mqchatd = usage_of(world.stack.process().pid());
        if (const auto broker = world.stack.broker_pid()) s.broker = usage_of(*broker);
        std::vector<pid_t> clients;
        for (const auto& c : stream.senders())
            clients.push_back(c->process().pid());
        for (const auto& c : stream.tails())
            clients.push_back(c->process().pid());
        for (const pid_t pid : clients) {
            const Usage u = usage_of(pid);
            s.clients.rss_mib += u.rss_mib;
            s.clients.fds += u.fds;
            s.worst.rss_mib = std::max(s.worst.rss_mib, u.rss_mib);
            s.worst.fds = std::max(s.worst.fds, u.fds);
        }
        return s;
    }

    std::atomic<bool> stopping_{false};
    std::vector<Sample> samples_;
    std::thread thread_;
};

// --- the report -------------------------------------------------------------

std::string fixed(double v, int decimals = 1) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

std::string reconnect_line(const std::vector<std::optional<double>>& each) {
    std::vector<double> got;
    for (const auto& s : each)
        if (s) got.push_back(*s);
    if (got.empty()) return "no reconnect seen";
    return "p50 " + fixed(percentile(got, 0.5)) + " s, p95 " + fixed(percentile(got, 0.95)) +
           " s, max " + fixed(*std::max_element(got.begin(), got.end())) + " s (" +
           std::to_string(got.size()) + " reconnects, " + std::to_string(each.size() - got.size()) +
           " client-kills without one)";
}

std::string usage_text(const Usage& u) {
    return fixed(u.rss_mib) + " MiB " + std::to_string(u.fds) + " fds";
}

Usage larger(const Usage& a, const Usage& b) {
    return {std::max(a.rss_mib, b.rss_mib), std::max(a.fds, b.fds)};
}

// One row per `every_s` of run time: the largest figure of each column in
// that stretch. The largest, not one sample: a sample taken as the broker is
// killed would show it as 0 MiB, 0 fds.
void print_samples(const std::vector<Sample>& samples, int every_s) {
    std::printf("%7s  %-22s %-22s %-24s %-22s\n", "t s", "mqchatd", "mosquitto", "clients (sum)",
                "largest client");
    for (std::size_t i = 0; i < samples.size();) {
        const double until = (std::floor(samples[i].t / every_s) + 1) * every_s;
        Sample peak = samples[i];
        for (++i; i < samples.size() && samples[i].t < until; ++i) {
            peak.t = samples[i].t;
            peak.mqchatd = larger(peak.mqchatd, samples[i].mqchatd);
            peak.broker = larger(peak.broker, samples[i].broker);
            peak.clients = larger(peak.clients, samples[i].clients);
            peak.worst = larger(peak.worst, samples[i].worst);
        }
        std::printf("%7.0f  %-22s %-22s %-24s %-22s\n", peak.t, usage_text(peak.mqchatd).c_str(),
                    usage_text(peak.broker).c_str(), usage_text(peak.clients).c_str(),
                    usage_text(peak.worst).c_str());
    }
}

// "0.52 0.61 0.70": the 1, 5 and 15 minute load averages.
std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

// SOAK_KEEP=DIR: each tail's output and stderr, each sender's stderr, a copy of the archive's
// database, to find out afterwards why a reader lacks something.
void keep_evidence(const std::string& dir, const World& world, const Stream& stream) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (const auto& tail : stream.tails()) {
        std::ofstream(dir + "/" + tail->name() + ".out") << tail->process().out();
        std::ofstream(dir + "/" + tail->name() + ".err") << tail->process().err();
    }
    for (const auto& sender : stream.senders())
        std::ofstream(dir + "/" + sender->name() + ".err") << sender->process().err();
    for (const char* file : {"/mqchatd.db", "/mqchatd.db-wal"})
        std::filesystem::copy_file(world.stack.data_dir() + file, dir + file,
                                   std::filesystem::copy_options::overwrite_existing, ec);
    std::cerr << "soak: evidence kept in " << dir << "\n";
}

// Why each sender that failed did: the last line it wrote on stderr.
void print_sender_failures(const Stream& stream) {
    for (auto& sender : stream.senders()) {
        const auto code = sender->process().wait_exit(std::chrono::milliseconds(0));
        if (!code || *code == 0) continue;
        std::string err = sender->process().err();
        while (!err.empty() && err.back() == '\n')
            err.pop_back();
        const auto nl = err.rfind('\n');
        std::printf("%s exit %d: %s\n", sender->name().c_str(), *code,
                    err.substr(nl == std::string::npos ? 0 : nl + 1).c_str());
    }
}

int soak(const Settings& set) {
    std::vector<std::string> names{kReader};
    for (int i = 1; i <= set.senders; ++i)
        names.push_back("s" + std::to_string(i));
    const std::string load_start = load_average();
    std::cerr << "soak: stack and " << names.size() << " accounts\n";
    World world({}, names);
    Stream stream(world, "soak");
    if (const auto opened = stream.open(set.tails, set.senders); !opened) {
        std::cerr << "soak: " << opened.message() << "\n";
        return 1;
    }

    Sampler sampler(world, stream, std::chrono::seconds(set.sample_every_s));
    stream.start(set.rate);
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(set.duration_s);
    std::vector<Clock::time_point> kills;
    for (auto next = start + std::chrono::seconds(set.kill_every_s); next < end;
         next += std::chrono::seconds(set.kill_every_s)) {
        std::this_thread::sleep_until(next);
        kills.push_back(Clock::now());
        const bool back = kill_broker(world.stack);
        std::cerr << "soak: " << static_cast<int>(set.kill_every_s * kills.size())
                  << " s: broker killed" << (back ? "" : ", and no new one came") << "\n";
    }
    std::this_thread::sleep_until(end);
    stream.stop();
    sampler.stop();  // the figures are the stream's, not the drain's
    std::cerr << "soak: stream stopped; waiting for readers and the archive\n";
    Tally tally = stream.count("soak", Clock::now() + 60s);
    std::vector<std::optional<double>> back;
    for (const auto& kill : kills)
        for (const auto& s : stream.seconds_to_each(kill, kLinkBack))
            back.push_back(s);

    std::printf("\n== mqchat soak: %d senders x %d msg/s for %d s, broker killed every %d s ==\n",
                set.senders, set.rate, set.duration_s, set.kill_every_s);
    std::printf("machine:   %ld CPU(s), load %s at start, %s at end\n",
                ::sysconf(_SC_NPROCESSORS_ONLN), load_start.c_str(), load_average().c_str());
    std::printf("readers:   %d x mqchat --tail --json -n 0, mosquitto_sub -q 1, the archive\n",
                set.tails);
    std::printf("counts:    %s\n", tally.summary().c_str());
    std::printf(
        "lost %zu, duplicated %zu%s\n", tally.lost(), tally.dup(),
        tally.all_acked_known() ? "" : " (a sender failed: its acknowledgements are unknown)");
    std::printf(
        "reconnect after a broker kill (kill to the client's next subscribe/reconnect): %s\n",
        reconnect_line(back).c_str());
    std::printf("RSS and open fds (sampled every %d s; the largest of each stretch):\n",
                set.sample_every_s);
    print_samples(sampler.samples(), std::max(set.kill_every_s, set.sample_every_s));
    const std::string details = tally.details();
    if (!details.empty()) std::printf("%s", details.c_str());
    print_sender_failures(stream);
    if (const char* keep = std::getenv("SOAK_KEEP")) keep_evidence(keep, world, stream);
    return tally.lost() == 0 && tally.dup() == 0 && tally.all_acked_known() ? 0 : 3;
}

}  // namespace
}  // namespace faults

int main(int argc, char** argv) {
    const auto settings = faults::parse(argc, argv);
    if (!settings) {
        std::cerr << faults::kUsage;
        return 2;
    }
    return faults::soak(*settings);
}
