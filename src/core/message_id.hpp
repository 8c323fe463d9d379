// Message ids: time-sortable ULIDs for new messages, stable derived ids for
// messages that arrive without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mqchat {

// Fills `size` bytes at `out` with random bytes. Production code passes the
// kernel's cryptographic source (platform::random_bytes): ids must not be
// guessable from earlier ones.
using RandomBytes = std::function<void(std::uint8_t* out, std::size_t size)>;

// Makes ULIDs (26 characters of Crockford base32: 48-bit ms time, 80 random
// bits). Ids from one generator sort in creation order even within a
// millisecond, because the random part is incremented rather than redrawn.
class UlidGenerator {
  public:
    explicit UlidGenerator(RandomBytes source);
    // Deterministic ids for tests and fuzzers only.
    static UlidGenerator seeded(std::uint64_t seed);
    std::string next(std::int64_t now_ms);

  private:
    RandomBytes source_;
    std::int64_t last_ms_ = -1;
    std::uint16_t rand_hi_ = 0;  // top 16 of the 80 random bits
    std::uint64_t rand_lo_ = 0;  // low 64 bits
};

// Milliseconds encoded in a ULID, or -1 when `id` is not a ULID.
std::int64_t ulid_time_ms(std::string_view id);

// A stable id for a message without one, derived from what identifies it, so
// every reader (and every redelivery) computes the same id: "h-" + 32 hex.
std::string derive_message_id(std::string_view user, std::int64_t timestamp, std::string_view text);

}  // namespace mqchat
