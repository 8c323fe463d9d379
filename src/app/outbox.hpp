// The one owner of messages awaiting their acknowledgement, for the chat and
// --send: each is written to this run's journal and fsynced before anyone is
// told it is pending, handed to the broker in order through a bounded window,
// sent again (same id, so every reader drops the repeat) after a lost
// connection, and crossed out of the journal when the broker acknowledges it.
// What a run leaves unacknowledged stays on disk; the next run for the same
// server, user and room takes it over and sends it first.
//
// Journals live in $XDG_STATE_HOME/mqchat/outbox/ as journal-<ULID>.jsonl
// (0600, flock'ed by their owner): {"add":{...}} and {"done":"<id>"} lines.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/outgoing.hpp"
#include "platform/journal_file.hpp"

namespace mqchat::app {

class Outbox {
  public:
    // `target` says whom the messages are for ("server URL user", "broker URL
    // user"): messages saved for another target are never sent by this run.
    Outbox(std::string dir, std::string target);
    static std::string default_dir();
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Records the messages durably (one fsync for the batch), then queues
    // them. Returns a one-line problem, or "": the messages are queued even
    // then — they can still be sent, but would not survive this process.
    std::string add(std::vector<OutgoingMessage> batch, std::int64_t now_ms);
    // Takes over what earlier runs left for this target in the rooms that
    // `wanted` accepts, ahead of anything added since. Returns how many.
    std::size_t adopt(const std::function<bool(const std::string& room)>& wanted,
                      std::int64_t now_ms, std::vector<std::string>& problems);

    // The window: the first message not yet handed to the broker.
    const OutgoingMessage* next_to_send() const;
    // next_to_send() went out as `ticket`.
    void sent(std::uint64_t ticket);
    // Hands waiting messages to `publish` in order while fewer than `window`
    // are in flight and it returns a ticket (nullopt: not now).
    void pump(const std::function<std::optional<std::uint64_t>(const OutgoingMessage&)>& publish,
              std::size_t window);
    // The broker acknowledged `ticket`: the message is done. nullopt for a
    // ticket this outbox does not hold (one from before a reconnect).
    std::optional<OutgoingMessage> acknowledged(std::uint64_t ticket);
    // The broker refused it: it can never be delivered; out of the outbox.
    std::optional<OutgoingMessage> refused(std::uint64_t ticket);
    // The library lost it, the connection went, or the broker refused it for
    // now: back in the queue, in order. The message, or nullptr for a ticket
    // this outbox does not hold.
    const OutgoingMessage* returned(std::uint64_t ticket);
    void connection_lost();
    // Takes a queued message out without sending it.
    std::optional<OutgoingMessage> withdraw(const std::string& id);

    std::size_t in_flight() const { return in_flight_; }
    std::size_t size() const { return queue_.size(); }
    bool empty() const { return queue_.empty(); }
    bool contains(const std::string& id) const;
    // When the oldest unacknowledged message was added (the caller's clock).
    std::optional<std::int64_t> oldest_added_ms() const;
    const std::string& dir() const { return dir_; }

  private:
    struct Entry {
        OutgoingMessage message;
        std::int64_t added_ms = 0;
        std::uint64_t ticket = 0;  // 0: waiting to be sent
    };

    // A journal of an earlier run, held (locked) until what moved out of it
    // is safely in ours.
    struct Claimed {
        platform::JournalFile file;
        std::string done_marks;  // "done" lines for the messages moved out
        std::size_t left = 0;    // messages still pending in it for others
    };

    std::string ensure_journal();
    std::string record_added(const std::vector<OutgoingMessage>& batch);
    void record_done(const std::string& id);
    void compact_if_worthwhile();
    std::optional<OutgoingMessage> take(std::uint64_t ticket);
    void erase(std::deque<Entry>::iterator it);
    std::size_t adopt_journal(const std::string& path,
                              const std::function<bool(const std::string&)>& wanted,
                              std::vector<OutgoingMessage>& out, std::vector<Claimed>& claimed,
                              std::vector<std::string>& problems);
    std::size_t adopt_legacy(const std::string& path,
                             const std::function<bool(const std::string&)>& wanted,
                             std::vector<OutgoingMessage>& out,
                             std::vector<std::string>& legacy_paths,
                             std::vector<std::string>& problems);

    std::string dir_;
    std::string target_;
    std::optional<platform::JournalFile> journal_;
    std::string journal_problem_;  // why there is no journal (said once)
    std::deque<Entry> queue_;      // in the order they were written
    // Every entry's added_ms (adopted ones go in front with a later time):
    // the oldest without a scan, asked for on every pass of the send loop.
    std::multiset<std::int64_t> added_times_;
    std::size_t in_flight_ = 0;
    std::size_t done_records_ = 0;  // in our journal, since the last compaction
};

}  // namespace mqchat::app
