// The fault suite's world: the real stack with logged-in accounts, senders
// fed at a steady rate, readers (mqchat tails, mosquitto_sub, the chat in
// tmux, the archive), the faults themselves, and the per-case report.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../tui/tui_fixture.hpp"
#include "support/delivery_count.hpp"
#include "support/stack.hpp"
#include "support/timeline.hpp"
#include "support/tmux.hpp"

namespace faults {

using namespace testsupport;
using tuitest::mqchat_bin;
using tuitest::Person;
using Clock = std::chrono::steady_clock;

// After the last line is written: how long senders, readers and the archive
// together get to finish and catch up. Generous; a reader that misses a
// message never gets it, so this is also what a failing case waits.
inline constexpr auto kSettle = 30s;

// What the mqchat under test offers; the suite also runs against builds that
// lack some of it (then it counts with less: see acked_from).
struct Features {
    bool send_json = false;  // --send --json: one line per acknowledged message
    bool send_id = false;    // --send --id KEY: ids KEY-n, so a retry is idempotent
    bool chat_log = false;   // the chat's --log DIR: DIR/<room>.jsonl of what it showed
};
const Features& features();

// Every world has this account: it tails, subscribes, posts warm-ups and
// reads the archive.
inline const std::string kReader = "reader";

struct Account {
    std::string id;
    std::string email;
    std::string password;
    std::unique_ptr<Person> person;
};

class World {
  public:
    // The stack (with no per-account publish limit to speak of), then one
    // account per name (id = name), each logged in.
    World(StackOptions options, const std::vector<std::string>& names);
    const Person& person(const std::string& name) const;
    const std::string& id(const std::string& name) const;
    // A session for the HTTP API (history, posting), made once per account.
    std::string session(const std::string& name);

    Stack stack;

  private:
    std::map<std::string, Account> accounts_;
    std::map<std::string, std::string> sessions_;
};

// `mqchat ROOM --send - -v -W 60 [--json] [--id NAME] EXTRA…`: by default a
// 60 s acknowledgement window, so that riding out a fault is the client's
// job and not a matter of -W.
class Sender {
  public:
    Sender(const Person& who, std::string name, const std::string& room,
           const std::vector<std::string>& extra = {}, int ack_timeout_s = 60);
    const std::string& name() const { return name_; }
    Process& process() { return *process_; }
    // Writes one line; quietly nothing once the sender has gone.
    void send(const std::string& text);
    // Closes stdin, waits (until `until`, then kills it) and says what was acknowledged.
    Acked finish(Clock::time_point until);
    const std::vector<std::string>& texts() const { return texts_; }

  private:
    std::string name_;
    std::unique_ptr<Process> process_;
    std::vector<std::string> texts_;
    bool gone_ = false;
};

// Feeds each sender one line per 1/per_second s from a thread: "<name>-000001".
class Feeder {
  public:
    Feeder(std::vector<Sender*> senders, int per_second);
    ~Feeder();
    void stop();

  private:
    std::vector<Sender*> senders_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// `mqchat ROOM --tail --json -n 0 -v EXTRA…`.
class Tail {
  public:
    Tail(const Person& who, std::string name, const std::string& room,
         const std::vector<std::string>& extra = {});
    const std::string& name() const { return name_; }
    Process& process() { return *process_; }
    Shown shown() const { return shown_from_ndjson(name_, process_->out()); }

  private:
    std::string name_;
    std::unique_ptr<Process> process_;
};

// mosquitto_sub on the room with the account's token, straight to the broker
// (or the front): it has no history, so it only says what the broker delivered.
class Subscriber {
  public:
    Subscriber(World& world, const std::string& account, const std::string& room, int port);
    std::string output() const { return sub_->output(); }
    Shown shown() const { return shown_from_payloads("mosquitto_sub", sub_->payloads()); }

  private:
    std::unique_ptr<MqttSubscriber> sub_;
};

// The full-screen chat in tmux (tall enough that a quiet room stays on
// screen), with --log when the build has it.
class Chat {
  public:
    Chat(const Person& who, const std::string& room);
    bool wait_ready() const;
    void say(const std::string& text);
    const std::vector<std::string>& said() const { return said_; }
    // Which of `texts` are not on screen ("text ✓" for own messages).
    std::vector<std::string> missing(const std::vector<std::string>& texts, bool own) const;
    bool wait_on_screen(const std::vector<std::string>& texts, bool own,
                        Clock::time_point until) const;
    // Which of `texts` the screen shows, and how often (a row ending in the
    // text, with or without a delivery mark); the text stands in for the id.
    Shown on_screen(const std::vector<std::string>& texts) const;
    // What it showed by its --log file (nothing when the build has no --log).
    std::optional<Shown> log() const;
    std::string screen() const { return "\n" + tmux_->text(); }  // as it is now

  private:
    std::string room_;
    TempDir log_dir_;
    std::unique_ptr<Tmux> tmux_;
    std::vector<std::string> said_;
};

// One room's stream across a fault: its senders, tails and mosquitto_sub,
// their stderr on a timeline, and the count at the end.
class Stream {
  public:
    Stream(World& world, std::string room);
    ~Stream();
    Tail& add_tail(const std::string& account, const std::string& name,
                   const std::vector<std::string>& extra = {});
    void add_subscriber(const std::string& account, int port);
    // The account `name` sends as `name`.
    Sender& add_sender(const std::string& name, const std::vector<std::string>& extra = {},
                       int ack_timeout_s = 60);
    // warm_up() on every reader, posted by `poster`.
    bool warm_up(const std::string& poster);
    // `tails` tails "tail1".. and (`subscriber`) mosquitto_sub as kReader,
    // shown a warm-up, then `senders` senders "s1".. as the accounts of those
    // names (not yet fed). The mqchat clients get `client_args` (a --broker).
    ::testing::AssertionResult open(int tails, int senders, bool subscriber = true,
                                    const std::vector<std::string>& client_args = {},
                                    int ack_timeout_s = 60);
    void start(int per_second);
    void stop();  // no more lines

    // Each sender finished (stdin closed, exit awaited until `until`).
    std::vector<Acked> finish(Clock::time_point until);
    // finish(), then each reader and the archive given until `until` to show
    // what was acknowledged (also by the `more` senders outside the stream).
    Tally count(const std::string& case_name, Clock::time_point until,
                std::vector<Acked> more = {});
    // Seconds from `fault` to each client's first stderr line holding one of
    // `needles` (tails first, then senders; nothing for a client that had none).
    std::vector<std::optional<double>> seconds_to_each(
        Clock::time_point fault, const std::vector<std::string>& needles) const;
    // The same as "tails 1.2 1.3, senders 0.9 -".
    std::string seconds_after(Clock::time_point fault,
                              const std::vector<std::string>& needles) const;
    const std::vector<std::unique_ptr<Sender>>& senders() const { return senders_; }
    const std::vector<std::unique_ptr<Tail>>& tails() const { return tails_; }

  private:
    World& world_;
    std::string room_;
    std::vector<std::unique_ptr<Tail>> tails_;
    std::unique_ptr<Subscriber> sub_;
    std::vector<std::unique_ptr<Sender>> senders_;
    std::unique_ptr<Feeder> feeder_;
    std::vector<Acked> finished_;
    Timeline timeline_;  // last: stops before the processes it reads go
};

// The archive of a room (GET /api/rooms/ROOM/messages, paged back from the
// newest with before=, 500 at a time).
Shown archive(const Stack& stack, const std::string& session, const std::string& room);

// Polls `reader` until it shows every text `tally`'s senders had acknowledged
// or `until` passes (one deadline for all the readers of a case).
bool wait_shown(const std::function<Shown()>& reader, const Tally& tally, Clock::time_point until);

// POST /api/rooms/ROOM/messages with a client id, again (same id) after a
// failed answer, until 2xx or the deadline.
bool post_message(const Stack& stack, const std::string& session, const std::string& room,
                  const std::string& text, const std::string& id);

// Posts "warmup-N" to the room as `poster` until every reader shows one:
// then all of them are subscribed and nothing of the stream slips past them.
bool warm_up(World& world, const std::string& poster, const std::string& room,
             const std::vector<std::function<Shown()>>& readers);

// kill -9 of the embedded broker; true once mqchatd has started another one.
bool kill_broker(Stack& stack);

// Reconnect markers in the clients' stderr (-v).
inline const std::vector<std::string> kLinkLost = {"lost", "reconnecting"};
inline const std::vector<std::string> kLinkBack = {"reconnected", "subscribed to"};

// Prints the case's summary line (stdout and the test's XML record) and
// expects lost 0 and shown twice 0, with every acknowledgement known; on a
// loss it prints mqchatd's log and the broker's, the only record of why
// (FAULT_LOGS=1: also when nothing was lost).
void expect_exactly_once(const Tally& tally, const World& world);

}  // namespace faults
