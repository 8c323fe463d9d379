// Login sessions: 32 random bytes handed to the client as base64url, stored
// only as their SHA-256, valid for 30 days unless revoked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store.hpp"

namespace mqchat::server {

inline constexpr std::int64_t kSessionLifetimeMs = 30LL * 24 * 3600 * 1000;

struct IssuedSession {
    std::string secret;  // what the client sends as "Bearer <secret>"
    std::int64_t expires_at = 0;
};

// SHA-256 of the secret in lowercase hex: the database key of a session.
std::string session_digest(std::string_view secret);

IssuedSession create_session(Store& store, const std::string& user_id, std::int64_t now_ms);

// The secret of an "Authorization: Bearer <secret>" header value, if it has that shape.
std::optional<std::string> bearer_secret(std::string_view authorization);

struct ValidSession {
    UserRecord user;
    std::string token_hash;  // session_digest of the secret
};

// The session behind a Bearer header, when it is valid at `now_ms`.
std::optional<ValidSession> valid_session(Store& store, std::string_view authorization,
                                          std::int64_t now_ms);

// The user behind a Bearer header, when its session is valid at `now_ms`.
std::optional<UserRecord> authenticate(Store& store, std::string_view authorization,
                                       std::int64_t now_ms);

// Revokes the session of a Bearer header: its token_hash, or nullopt when
// it was not valid.
std::optional<std::string> revoke(Store& store, std::string_view authorization,
                                  std::int64_t now_ms);

// base64url of `count` bytes from libsodium's CSPRNG.
std::string random_token(std::size_t count);

}  // namespace mqchat::server
