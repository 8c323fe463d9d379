// The archive side of mqchatd: what chat payloads become in the database, and
// when the broker may hear that they are stored. Deliveries wait in memory,
// unacknowledged, until one transaction has committed them all; a failure
// (full disk, I/O error, a lock held too long) keeps them waiting, closes the
// archive with the reason and retries. Pure of sockets: service_link.cpp
// feeds it and sends the acknowledgements it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive_status.hpp"
#include "core/room_name.hpp"
#include "store.hpp"

namespace mqchat::server {

// The archiver's shared subscription: instances of mqchatd split the stream.
inline constexpr const char* kArchiveFilter = "$share/mqchatd/chat/+/messages";

using mqchat::room_of_topic;  // core/room_name.hpp

struct ArchiveResult {
    std::size_t stored = 0;      // new messages written
    std::size_t duplicates = 0;  // already archived (redelivery, echo of a POST)
    std::string notice;          // non-empty: something in the payload was unreadable
};

// Decodes every dialect (core's decode_payload) and stores each message
// INSERT OR IGNORE by (room, id), in payload order, in one transaction.
ArchiveResult archive_payload(Store& store, std::string_view topic, std::string_view payload,
                              std::int64_t received_ms);

struct ArchiverSettings {
    // The Receive Maximum the connection announces: at most this many QoS 1
    // deliveries are unacknowledged at once. At half of it the archive closes
    // until the backlog is stored.
    std::size_t receive_maximum = 1024;
    std::int64_t retry_ms = 1000;       // after a failure that closed the archive
    std::int64_t busy_retry_ms = 100;   // while another connection holds the write lock
    std::int64_t busy_close_ms = 1000;  // a lock held this long closes the archive
};

// A PUBLISH from the broker.
struct Delivery {
    std::uint64_t connection = 0;  // which connection it came on (acks go only to that one)
    std::uint16_t packet_id = 0;   // 0: QoS 0, nothing to acknowledge
    std::string topic;
    std::string payload;
    std::int64_t received_ms = 0;  // wall clock
};

// The archive opened or closed.
struct ArchiveChange {
    bool open = true;
    std::string reason;  // when closed
};

class Archiver {
  public:
    Archiver(Store& store, ArchiveStatus& status, ArchiverSettings settings = {});

    void add(const Delivery& delivery);
    // When it is time, stores everything waiting in one transaction. Returns
    // the packet ids of `connection` to acknowledge now (only after a commit).
    std::vector<std::uint16_t> flush(std::int64_t now_mono_ms, std::uint64_t connection);
    // Milliseconds until flush() has work (-1: nothing waits).
    std::int64_t wait_hint_ms(std::int64_t now_mono_ms) const;

    std::size_t waiting() const { return waiting_.size(); }
    bool open() const { return !closed_reason_; }
    const std::optional<std::string>& closed_reason() const { return closed_reason_; }
    // The last open/close since the previous call, if any.
    std::optional<ArchiveChange> take_change();

  private:
    struct Waiting {
        std::uint64_t connection = 0;
        std::uint16_t packet_id = 0;
        std::string topic;
        std::vector<ArchiveRow> rows;
        std::string notice;
    };
    void on_failure(const StoreError& e, std::int64_t now_mono_ms);
    void update_state();
    void trim_stale();

    Store& store_;
    ArchiveStatus& status_;
    const ArchiverSettings settings_;
    std::vector<Waiting> waiting_;
    std::int64_t retry_at_ = -1;                // monotonic ms; -1: at the next flush
    std::int64_t busy_since_ = -1;              // monotonic ms of the first SQLITE_BUSY in a row
    std::optional<std::string> failure_;        // why the last commit failed
    std::optional<std::string> closed_reason_;  // empty: open
    std::optional<ArchiveChange> change_;
};

}  // namespace mqchat::server
