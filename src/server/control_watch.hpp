// What the broker plugin must be told, read from the database: sessions
// revoked and accounts deleted recently enough that their tokens may still
// be valid, and the users over their storage quota. The serve loop sends the
// whole of it on every connect and polls for changes: `mqchatd user del`
// runs in another process, so the database is where its news arrives.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "store.hpp"
#include "token/jwt.hpp"

namespace mqchat::server {

// How often the serve loop asks poll(): a deleted account is cut within it
// plus the broker's reaction.
inline constexpr std::int64_t kControlPollMs = 500;

struct ControlSettings {
    std::int64_t quota_bytes = 0;  // per user; 0: no quota
    // How long a token can outlive its session: revocations older than this
    // need not be sent (every token they could stop has expired).
    std::int64_t token_lifetime_s = token::kMaxTokenLifetime;
};

// A token's `sid` claim: the first 32 hex digits of its session's token_hash.
std::string sid_of_token_hash(std::string_view token_hash);

// {"kind":"revoke-session"} for a session revoked at `revoked_at_ms`: in
// force while a token minted before then can be valid.
std::string revoke_session_control(std::string_view token_hash, std::int64_t revoked_at_ms,
                                   std::int64_t token_lifetime_s);

class ControlWatch {
  public:
    ControlWatch(Store& store, ControlSettings settings);

    // Every revocation still in force and every user over quota, as control
    // messages: for a new connection, before it subscribes.
    std::vector<std::string> full_state(std::int64_t now_ms);
    // What changed since the last call of either: accounts deleted since
    // (revoke-user), users that went over their quota. Store errors (a
    // locked database) are logged once and retried at the next poll.
    std::vector<std::string> poll(std::int64_t now_ms);

  private:
    std::vector<std::string> retired_since(std::int64_t now_ms);
    std::vector<std::string> quota_changes();

    Store& store_;
    const ControlSettings settings_;
    std::int64_t last_retired_rowid_ = 0;
    std::set<std::string> over_quota_;
    bool failing_ = false;
};

}  // namespace mqchat::server
