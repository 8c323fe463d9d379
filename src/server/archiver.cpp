// Decoding deliveries, the batch transaction, and the archive's open/closed state.
#include "archiver.hpp"

#include <algorithm>

#include "core/payload_codec.hpp"
#include "log.hpp"

namespace mqchat::server {
namespace {

constexpr const char* kNoSpace = "no space left on device";
constexpr const char* kLocked = "the database is locked by another process";
constexpr const char* kBacklog = "the database is too slow: the archiver's backlog is half full";
// Deliveries from lost connections kept beyond this many Receive Maximums
// are dropped, oldest first: the broker delivers them again anyway.
constexpr std::size_t kStaleWindows = 4;

struct Decoded {
    std::vector<ArchiveRow> rows;
    std::string notice;
};

Decoded decode_delivery(std::string_view topic, std::string_view payload,
                        std::int64_t received_ms) {
    Decoded out;
    const auto room = room_of_topic(topic);
    if (!room) {
        out.notice = "not a chat topic: " + quote_for_error(topic);
        return out;
    }
    auto decoded = decode_payload(payload, received_ms);
    out.notice = std::move(decoded.notice);
    for (auto& message : decoded.messages)
        out.rows.push_back(ArchiveRow{*room, std::move(message), received_ms});
    return out;
}

std::string failure_text(const StoreError& e) {
    switch (e.kind()) {
        case StoreFailure::full:
            return kNoSpace;
        case StoreFailure::busy:
            return kLocked;
        case StoreFailure::io:
            return std::string("I/O error: ") + e.what();
        case StoreFailure::other:
            break;
    }
    return std::string("database error: ") + e.what();
}

}  // namespace

ArchiveResult archive_payload(Store& store, std::string_view topic, std::string_view payload,
                              std::int64_t received_ms) {
    Decoded decoded = decode_delivery(topic, payload, received_ms);
    ArchiveResult result;
    result.notice = std::move(decoded.notice);
    for (const bool fresh : store.insert_messages(decoded.rows))
        ++(fresh ? result.stored : result.duplicates);
    return result;
}

Archiver::Archiver(Store& store, ArchiveStatus& status, ArchiverSettings settings)
    : store_(store), status_(status), settings_(settings) {}

void Archiver::add(const Delivery& d) {
    Decoded decoded = decode_delivery(d.topic, d.payload, d.received_ms);
    waiting_.push_back(
        {d.connection, d.packet_id, d.topic, std::move(decoded.rows), std::move(decoded.notice)});
    status_.note_received(1);
    trim_stale();
}

// Bounds memory when connections keep failing while the database does too:
// each new connection is sent the unacknowledged messages again.
void Archiver::trim_stale() {
    const std::size_t limit = kStaleWindows * settings_.receive_maximum;
    if (waiting_.size() <= limit) return;
    const std::uint64_t current = waiting_.back().connection;
    std::size_t dropped = 0;
    std::erase_if(waiting_, [&](const Waiting& w) {
        const bool drop = waiting_.size() - dropped > limit && w.connection != current;
        dropped += drop ? 1 : 0;
        return drop;
    });
    status_.note_settled(dropped);
}

// The open/closed state is judged here, after the attempt, never in add():
// a burst read in one pass must not close the archive when one commit
// stores it all.
std::vector<std::uint16_t> Archiver::flush(std::int64_t now_mono_ms, std::uint64_t connection) {
    if (waiting_.empty()) return {};
    if (retry_at_ >= 0 && now_mono_ms < retry_at_) {
        update_state();
        return {};
    }
    std::vector<ArchiveRow> rows;
    for (const auto& w : waiting_)
        rows.insert(rows.end(), w.rows.begin(), w.rows.end());
    try {
        store_.insert_messages(rows);
    } catch (const StoreError& e) {
        on_failure(e, now_mono_ms);
        update_state();
        return {};
    }
    std::vector<std::uint16_t> acks;
    for (const auto& w : waiting_) {
        if (!w.notice.empty())
            log_line("archiver: skipped unreadable content on " + w.topic + ": " + w.notice);
        if (w.connection == connection && w.packet_id != 0) acks.push_back(w.packet_id);
    }
    status_.note_settled(waiting_.size());
    waiting_.clear();
    failure_.reset();
    busy_since_ = -1;
    retry_at_ = -1;
    update_state();
    return acks;
}

void Archiver::on_failure(const StoreError& e, std::int64_t now_mono_ms) {
    if (e.kind() != StoreFailure::busy) {
        busy_since_ = -1;
        failure_ = failure_text(e);
        retry_at_ = now_mono_ms + settings_.retry_ms;
        return;
    }
    // Another process (`mqchatd user add`, a backup) may hold the lock for a
    // moment: only a lock held too long closes the archive.
    if (busy_since_ < 0) busy_since_ = now_mono_ms;
    if (now_mono_ms - busy_since_ >= settings_.busy_close_ms) failure_ = kLocked;
    retry_at_ = now_mono_ms + settings_.busy_retry_ms;
}

void Archiver::update_state() {
    std::optional<std::string> reason = failure_;
    if (!reason && waiting_.size() >= settings_.receive_maximum / 2) reason = kBacklog;
    if (reason == closed_reason_) return;
    closed_reason_ = reason;
    if (reason) {
        status_.set_closed(*reason, *reason == kBacklog || *reason == kLocked);
        const std::size_t n = waiting_.size();
        log_line("archive closed: " + *reason + "; " + std::to_string(n) +
                 (n == 1 ? " message waits" : " messages wait") + " unacknowledged; retrying");
        change_ = ArchiveChange{false, *reason};
    } else {
        status_.set_open();
        log_line("archive open again");
        change_ = ArchiveChange{true, {}};
    }
}

std::int64_t Archiver::wait_hint_ms(std::int64_t now_mono_ms) const {
    if (waiting_.empty()) return -1;
    if (retry_at_ < 0) return 0;
    return std::max<std::int64_t>(0, retry_at_ - now_mono_ms);
}

std::optional<ArchiveChange> Archiver::take_change() {
    auto change = std::move(change_);
    change_.reset();
    return change;
}

}  // namespace mqchat::server
