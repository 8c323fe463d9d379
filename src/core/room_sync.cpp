// The history/live join state machine of one room (see room_sync.hpp).
#include "room_sync.hpp"

#include <algorithm>
#include <utility>

namespace mqchat {

RoomSync::RoomSync(RoomSyncSettings settings)
    : settings_(settings), seen_(settings.remembered_ids) {}

HistoryRequest RoomSync::request(int limit, std::string before, std::string after) {
    HistoryRequest r;
    r.id = next_request_++;
    r.limit = limit;
    r.before = std::move(before);
    r.after = std::move(after);
    return r;
}

void RoomSync::ask(SyncStep& step, HistoryRequest r) {
    outstanding_ = r.id;
    outstanding_limit_ = r.limit;
    retry_.reset();
    step.fetch.push_back(std::move(r));
}

int RoomSync::first_page_limit() const {
    // With no lines wanted, one message, not shown: where a later gap starts.
    return settings_.initial_lines > 0 ? std::min(settings_.initial_lines, settings_.page) : 1;
}

void RoomSync::start_initial(SyncStep& step, std::int64_t now_ms) {
    phase_ = Phase::initial;
    progress_at_ms_ = now_ms;
    ask(step, request(first_page_limit(), {}, {}));
}

SyncStep RoomSync::begin(std::int64_t now_ms) {
    SyncStep step;
    if (!settings_.has_history || phase_ != Phase::unsubscribed || initial_done_) return step;
    early_ = true;
    start_initial(step, now_ms);
    return step;
}

SyncStep RoomSync::on_subscribed(std::int64_t now_ms) {
    SyncStep step;
    const bool first_subscription = !subscribed_once_;
    subscribed_once_ = true;
    if (!settings_.has_history) {
        if (phase_ != Phase::live) {
            phase_ = Phase::live;
            initial_done_ = true;
            step.initial_ready = true;
            step.initial_complete = true;
            release_held(step);
        }
        return step;
    }
    if (phase_ == Phase::initial && early_ && first_subscription) {
        // The newest history went out before this SUBACK: its answer catches up.
        progress_at_ms_ = now_ms;
        return step;
    }
    switch (phase_) {
        case Phase::unsubscribed:
            // Shown already (begin()): catch up from it, like after a reconnect.
            if (initial_done_)
                catch_up(step, now_ms);
            else
                start_initial(step, now_ms);
            break;
        case Phase::initial:
        case Phase::catching_up:
            // A reconnect while catching up: messages held from the previous
            // subscription may have a hole after them, so they are barriers
            // no more; the new subscription's live messages are the barrier
            // history must now reach. They are kept aside, not dropped: one
            // the archive never got (the broker died between routing it to us
            // and to the archiver) would be lost. History shows the others;
            // what it never returns is shown when the catch-up ends. A
            // confirmation under way is one no longer: a quiet end must
            // confirm again.
            for (auto& m : held_)
                set_aside_.push_back(std::move(m));
            held_.clear();
            while (set_aside_.size() > settings_.max_held)
                set_aside_.pop_front();
            progress_at_ms_ = now_ms;
            confirming_ = false;
            break;
        case Phase::live:
            catch_up(step, now_ms);
            break;
    }
    return step;
}

void RoomSync::catch_up(SyncStep& step, std::int64_t now_ms) {
    phase_ = Phase::catching_up;
    progress_at_ms_ = now_ms;
    retry_delay_ms_ = 0;
    confirm_at_ms_ = 0;
    confirm_next_live_ = false;
    lookback_ = 0;
    // Nothing shown yet means the room was empty when we joined: everything
    // in its newest page is new to us.
    fallback_ = false;
    refilling_ = !gap_after_.empty();
    ask(step, request(settings_.page, {}, refilling_ ? gap_after_ : anchor_));
    gap_after_.clear();
}

SyncStep RoomSync::on_live(Message message, std::int64_t now_ms) {
    SyncStep step;
    if (phase_ == Phase::live) {
        if (confirm_next_live_ && !seen_.contains(message.id)) {
            // The first message after a quiet catch-up: history must reach
            // it too, or the archive was still behind when we asked.
            held_.push_back(std::move(message));
            confirming_ = true;
            catch_up(step, now_ms);
            return step;
        }
        show(step, std::move(message));
        return step;
    }
    if (seen_.contains(message.id)) return step;
    if (held_.size() >= settings_.max_held) {
        give_up(step,
                "too many messages arrived while the history was loading; earlier ones "
                "follow when it has caught up",
                now_ms);
        show(step, std::move(message));
        return step;
    }
    held_.push_back(std::move(message));
    return step;
}

SyncStep RoomSync::on_history(std::uint64_t request_id, std::vector<Message> page,
                              std::int64_t now_ms) {
    SyncStep step;
    if (request_id == 0 || request_id != outstanding_) return step;  // superseded
    outstanding_ = 0;
    if (phase_ == Phase::initial)
        on_initial_page(step, std::move(page), now_ms);
    else if (phase_ == Phase::catching_up)
        on_gap_page(step, std::move(page), now_ms);
    return step;
}

void RoomSync::on_initial_page(SyncStep& step, std::vector<Message> page, std::int64_t now_ms) {
    const bool full = static_cast<int>(page.size()) >= outstanding_limit_;
    initial_buffer_.insert(initial_buffer_.begin(), std::make_move_iterator(page.begin()),
                           std::make_move_iterator(page.end()));
    const auto wanted = static_cast<std::size_t>(std::max(settings_.initial_lines, 0));
    if (full && initial_buffer_.size() < wanted) {
        const int more = static_cast<int>(std::min<std::size_t>(
            wanted - initial_buffer_.size(), static_cast<std::size_t>(settings_.page)));
        ask(step, request(more, initial_buffer_.front().id, {}));
        return;
    }
    for (const auto& m : initial_buffer_)
        seen_.insert(m.id);
    if (!initial_buffer_.empty()) anchor_ = initial_buffer_.back().id;
    const std::size_t skip = initial_buffer_.size() > wanted ? initial_buffer_.size() - wanted : 0;
    step.initial.assign(std::make_move_iterator(initial_buffer_.begin() + static_cast<long>(skip)),
                        std::make_move_iterator(initial_buffer_.end()));
    step.initial_ready = true;
    step.initial_complete = !full;
    initial_buffer_.clear();
    initial_done_ = true;
    if (early_) {
        early_ = false;
        // Asked before the subscription: what was stored after this answer
        // and routed before the SUBACK is not in it. The SUBACK catches up
        // from here; after it came already, that starts now.
        if (!subscribed_once_) {
            phase_ = Phase::unsubscribed;
            return;
        }
        catch_up(step, now_ms);
        return;
    }
    after_history_end(step, now_ms);
}

void RoomSync::on_gap_page(SyncStep& step, std::vector<Message> page, std::int64_t now_ms) {
    const bool full = static_cast<int>(page.size()) >= outstanding_limit_;
    std::size_t first_new = 0;
    if (fallback_) {
        // The newest page instead of "after the anchor": what comes after the
        // last message we know is new; without one, all of it may be.
        for (std::size_t i = page.size(); i > 0; --i) {
            if (seen_.contains(page[i - 1].id)) {
                first_new = i;
                break;
            }
        }
        if (first_new == 0 && !anchor_.empty() && !page.empty())
            step.notices.push_back(
                "could not find where the gap in this room's history started; earlier "
                "messages may be shown out of order");
        fallback_ = false;
    }
    const std::string newest = page.empty() ? anchor_ : page.back().id;
    const std::size_t shown_before = step.messages.size();
    for (std::size_t i = first_new; i < page.size(); ++i)
        show(step, std::move(page[i]));
    if (step.messages.size() > shown_before) progress_at_ms_ = now_ms;
    anchor_ = newest;  // also when it was shown before (our own message)
    if (barrier_reached()) {
        release_held(step);
        phase_ = Phase::live;
        confirming_ = false;
        refilling_ = false;
        return;
    }
    if (full) {
        ask(step, request(settings_.page, {}, anchor_));
        return;
    }
    after_history_end(step, now_ms);
}

void RoomSync::after_history_end(SyncStep& step, std::int64_t now_ms) {
    if (!held_.empty()) {
        if (barrier_reached()) {
            release_held(step);
            phase_ = Phase::live;
            confirming_ = false;
            refilling_ = false;
            return;
        }
        if (now_ms - progress_at_ms_ >= settings_.give_up_ms) {
            give_up(step,
                    "the server's history did not catch up with the live messages; some "
                    "messages sent while reconnecting may be missing",
                    now_ms);
            return;
        }
        phase_ = Phase::catching_up;
        schedule_retry(now_ms);
        return;
    }
    // Quiet while we caught up: confirm once, on the next live message or a
    // little later, that the archive was not still behind when we asked.
    phase_ = Phase::live;
    if (!confirming_) {
        confirm_next_live_ = true;
        confirm_at_ms_ = now_ms + settings_.confirm_ms;
    }
    confirming_ = false;
    refilling_ = false;
}

void RoomSync::schedule_retry(std::int64_t now_ms) {
    retry_delay_ms_ = retry_delay_ms_ == 0 ? settings_.first_retry_ms
                                           : std::min(retry_delay_ms_ * 2, settings_.max_retry_ms);
    retry_ = request(settings_.page, {}, anchor_);
    retry_at_ms_ = now_ms + retry_delay_ms_;
}

SyncStep RoomSync::on_history_failed(std::uint64_t request_id, HistoryFailure why,
                                     const std::string& cause, std::int64_t now_ms) {
    SyncStep step;
    if (request_id == 0 || request_id != outstanding_) return step;
    outstanding_ = 0;
    if (why == HistoryFailure::unknown_cursor && phase_ == Phase::catching_up && !fallback_ &&
        step_back(step))
        return step;
    if (now_ms - progress_at_ms_ >= settings_.give_up_ms) {
        give_up(step, "history: " + cause, now_ms);
        return step;
    }
    retry_delay_ms_ = retry_delay_ms_ == 0 ? settings_.first_retry_ms
                                           : std::min(retry_delay_ms_ * 2, settings_.max_retry_ms);
    retry_ = request(outstanding_limit_, {}, fallback_ ? std::string() : anchor_);
    if (phase_ == Phase::initial) {
        initial_buffer_.clear();  // start the newest pages again
        retry_ = request(first_page_limit(), {}, {});
    }
    retry_at_ms_ = now_ms + retry_delay_ms_;
    return step;
}

// The anchor is not in the archive: a message shown live that the archiver
// never got (the broker died between the two), or one still on its way.
// Starting after the newest page instead would skip whatever the archive
// holds between the last message it shares with us and that page, so step
// back through what was shown (a page, then four, sixteen ... ids back) to a
// message it knows; what is fetched again is dropped by id. Only when no
// remembered id is known: the newest page.
bool RoomSync::step_back(SyncStep& step) {
    lookback_ = lookback_ == 0 ? static_cast<std::size_t>(settings_.page) : lookback_ * 4;
    if (auto older = seen_.newest_but(lookback_)) {
        ask(step, request(settings_.page, {}, std::move(*older)));
        return true;
    }
    fallback_ = true;
    ask(step, request(settings_.page, {}, {}));
    return true;
}

SyncStep RoomSync::on_tick(std::int64_t now_ms) {
    SyncStep step;
    if (phase_ == Phase::catching_up || phase_ == Phase::initial) {
        if (now_ms - progress_at_ms_ >= settings_.give_up_ms && !held_.empty()) {
            give_up(step,
                    "the server's history did not answer in time; some messages sent while "
                    "reconnecting may be missing",
                    now_ms);
            return step;
        }
    }
    if (retry_ && outstanding_ == 0 && now_ms >= retry_at_ms_) ask(step, *retry_);
    if (phase_ == Phase::live && confirm_at_ms_ != 0 && now_ms >= confirm_at_ms_) {
        confirming_ = true;
        catch_up(step, now_ms);
    }
    return step;
}

std::optional<std::int64_t> RoomSync::next_deadline() const {
    std::optional<std::int64_t> next;
    const auto consider = [&next](std::int64_t t) {
        if (!next || t < *next) next = t;
    };
    if (retry_ && outstanding_ == 0) consider(retry_at_ms_);
    if (phase_ == Phase::live && confirm_at_ms_ != 0) consider(confirm_at_ms_);
    if (phase_ != Phase::live && phase_ != Phase::unsubscribed && !held_.empty())
        consider(progress_at_ms_ + settings_.give_up_ms);
    return next;
}

// History has reached a held message: everything routed before the
// subscription is archived before it. Any of them, not only the first: one
// the archive never stores (the broker took it while the archiver was away)
// must not keep the room waiting.
bool RoomSync::barrier_reached() const {
    return std::any_of(held_.begin(), held_.end(),
                       [this](const Message& m) { return seen_.contains(m.id); });
}

void RoomSync::release_held(SyncStep& step) {
    for (auto& m : set_aside_)  // those history returned were shown already: skipped
        show(step, std::move(m));
    set_aside_.clear();
    for (auto& m : held_)
        show(step, std::move(m));
    held_.clear();
}

void RoomSync::give_up(SyncStep& step, const std::string& why, std::int64_t now_ms) {
    step.notices.push_back(why);
    // History stopped at the anchor: one more catch-up starts from there a
    // little later (or at the next reconnect), so what lies between is shown
    // late rather than never. Only one: history that keeps failing must not
    // keep holding live messages back.
    const bool refill =
        initial_done_ && phase_ == Phase::catching_up && !refilling_ && !anchor_.empty();
    if (!initial_done_) {
        initial_done_ = true;
        step.initial_ready = true;
        initial_buffer_.clear();
    }
    const std::string stopped_at = anchor_;
    const std::size_t shown_before = step.messages.size();
    release_held(step);
    phase_ = Phase::live;
    outstanding_ = 0;
    retry_.reset();
    confirm_at_ms_ = 0;
    confirm_next_live_ = false;
    confirming_ = false;
    fallback_ = false;
    refilling_ = false;
    gap_after_.clear();
    if (refill) {
        gap_after_ = stopped_at;
        shown_since_gap_ = step.messages.size() - shown_before;
        confirm_at_ms_ = now_ms + settings_.confirm_ms;
    }
}

void RoomSync::show(SyncStep& step, Message m) {
    if (!seen_.insert(m.id)) return;
    anchor_ = m.id;
    // Filling an old gap later must still recognise all that was shown since.
    if (!gap_after_.empty() &&
        ++shown_since_gap_ + settings_.remembered_ids / 10 > settings_.remembered_ids)
        gap_after_.clear();
    step.messages.push_back(std::move(m));
}

}  // namespace mqchat
