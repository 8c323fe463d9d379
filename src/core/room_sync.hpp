// Joins one room's history and its live stream so that a reader shows every
// message once, in order, with no gap: on joining, after every reconnect, and
// when the server's archive lags behind the broker. Pure: it says which
// history pages to fetch and which messages to show; the caller does the I/O.
//
// How: the newest history is asked for at once (begin()), while the
// subscription is still on its way, so the first screen waits for neither.
// After each SUBACK the room catches up from history, starting after the
// newest message shown (the anchor), while live messages are held back. The
// held messages are the barrier: once history has reached one of them,
// everything the broker routed before the subscription has been shown, and
// the held messages follow. When history ends before the barrier (the archive
// has not stored it yet), the page is asked for again a little later. A room
// with no live traffic confirms once more a few seconds later, for the same
// reason. An anchor the archive does not know (shown live, never stored) is
// replaced by an older message shown, so that the gap fill starts early
// rather than late: a message shown twice is caught by its id, a message
// skipped is lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "message.hpp"
#include "recent_ids.hpp"

namespace mqchat {

// One page of history to fetch: the newest `limit` (before `before` when
// set), or the first `limit` after `after`. Oldest first in the answer.
struct HistoryRequest {
    std::uint64_t id = 0;  // given back with the answer
    int limit = 0;
    std::string before;
    std::string after;
};

// Why a history request failed.
enum class HistoryFailure {
    unknown_cursor,  // the server does not know the `after` id (404)
    other,           // anything else: retried with backoff
};

// What to do after an event: show these, fetch those.
struct SyncStep {
    // The newest history on joining, oldest first (at most initial_lines).
    std::vector<Message> initial;
    bool initial_ready = false;     // `initial` is complete (possibly empty)
    bool initial_complete = false;  // and the server has nothing older
    // Newer messages in order: gap fill and live, each exactly once.
    std::vector<Message> messages;
    std::vector<HistoryRequest> fetch;
    std::vector<std::string> notices;  // for the user: something may be missing

    bool empty() const {
        return initial.empty() && !initial_ready && messages.empty() && fetch.empty() &&
               notices.empty();
    }
};

struct RoomSyncSettings {
    int initial_lines = 20;   // history shown on joining (0: none)
    bool has_history = true;  // false: no server, live only
    int page = 500;           // the server's largest page
    std::size_t max_held = 50000;
    std::int64_t first_retry_ms = 200;    // history not there yet: ask again
    std::int64_t max_retry_ms = 2000;     // backoff cap
    std::int64_t confirm_ms = 3000;       // quiet room: confirm once after this
    std::int64_t give_up_ms = 20000;      // no progress this long: stop holding live back
    std::size_t remembered_ids = 100000;  // de-duplication memory
};

class RoomSync {
  public:
    explicit RoomSync(RoomSyncSettings settings);

    // Asks for the newest history now, before the subscription is confirmed;
    // the first SUBACK then catches up from the newest message shown, as
    // every later one does. Without it, the first SUBACK asks for it.
    SyncStep begin(std::int64_t now_ms);
    // The broker confirmed the subscription (the first time or again).
    SyncStep on_subscribed(std::int64_t now_ms);
    // A live message, decoded.
    SyncStep on_live(Message message, std::int64_t now_ms);
    // The answer to request `request_id`, oldest first.
    SyncStep on_history(std::uint64_t request_id, std::vector<Message> page, std::int64_t now_ms);
    SyncStep on_history_failed(std::uint64_t request_id, HistoryFailure why,
                               const std::string& cause, std::int64_t now_ms);
    // Time passed: due retries and confirmations.
    SyncStep on_tick(std::int64_t now_ms);
    // The next time on_tick has something to do; nullopt: nothing scheduled.
    std::optional<std::int64_t> next_deadline() const;

    // Messages the reader has shown by other means (its own sent messages)
    // count as seen, so that their echo is not shown again.
    void mark_seen(const std::string& id) { seen_.insert(id); }
    bool initial_done() const { return initial_done_; }
    bool catching_up() const { return phase_ != Phase::live; }
    std::size_t held() const { return held_.size(); }

  private:
    enum class Phase {
        unsubscribed,  // before the first SUBACK (the newest history may be shown already)
        initial,       // fetching the newest history
        catching_up,   // fetching history after the anchor, live held back
        live,          // live messages shown as they come
    };

    HistoryRequest request(int limit, std::string before, std::string after);
    void ask(SyncStep& step, HistoryRequest r);
    void catch_up(SyncStep& step, std::int64_t now_ms);
    void schedule_retry(std::int64_t now_ms);
    int first_page_limit() const;
    void start_initial(SyncStep& step, std::int64_t now_ms);
    void on_initial_page(SyncStep& step, std::vector<Message> page, std::int64_t now_ms);
    void on_gap_page(SyncStep& step, std::vector<Message> page, std::int64_t now_ms);
    void after_history_end(SyncStep& step, std::int64_t now_ms);
    void release_held(SyncStep& step);
    void give_up(SyncStep& step, const std::string& why, std::int64_t now_ms);
    void show(SyncStep& step, Message m);
    bool barrier_reached() const;
    bool step_back(SyncStep& step);

    RoomSyncSettings settings_;
    Phase phase_ = Phase::unsubscribed;
    RecentIds seen_;
    std::string anchor_;  // newest message shown, in the archive's order
    std::deque<Message> held_;
    std::deque<Message>
        set_aside_;  // held before a reconnect: shown at the end if history lacks them
    std::vector<Message> initial_buffer_;  // newest history collected so far, oldest first
    bool initial_done_ = false;
    // begin() asked before the subscription: history may lack what was
    // routed between that answer and the SUBACK, so the SUBACK catches up.
    bool early_ = false;
    bool subscribed_once_ = false;
    std::uint64_t next_request_ = 1;
    std::uint64_t outstanding_ = 0;        // the request in flight; 0: none
    int outstanding_limit_ = 0;            // its page size: a shorter answer is the end
    std::optional<HistoryRequest> retry_;  // to send at retry_at_ms_
    std::int64_t retry_at_ms_ = 0;
    std::int64_t retry_delay_ms_ = 0;
    std::int64_t progress_at_ms_ = 0;  // catching up began or last moved on (giving up)
    std::size_t lookback_ = 0;         // an unknown anchor: this many shown ids further back
    std::string gap_after_;            // a catch-up gave up after this id: the next starts here
    std::size_t shown_since_gap_ = 0;  // shown since then (beyond memory: too late to fill)
    bool refilling_ = false;           // this catch-up starts from such a gap
    std::int64_t confirm_at_ms_ = 0;   // quiet confirmation due; 0: none
    bool confirm_next_live_ = false;   // the next live message is a barrier
    bool confirming_ = false;          // this catch-up is the confirmation
    bool fallback_ = false;            // the request is the newest page, not "after the anchor"
};

}  // namespace mqchat
