// The mqchat token (SPEC §4): HS256 JWTs minted by mqchatd and checked by the
// broker plugin. Strict by construction: the algorithm is pinned, keys under
// 32 bytes are refused, exp must be an integer, iss and aud must match.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqchat::token {

inline constexpr std::size_t kMinSecretBytes = 32;
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;
inline constexpr std::int64_t kMaxTokenLifetime = 86400;
inline constexpr std::size_t kMaxSidBytes = 64;
inline constexpr const char* kIssuer = "mqchatd";
inline constexpr const char* kAudience = "mqtt";

struct AclEntry {
    std::string permission = "allow";  // "allow" or "deny"
    std::string action = "all";        // "publish", "subscribe" or "all"
    std::string topic;                 // an exact topic: no wildcards for users

    bool operator==(const AclEntry&) const = default;
};

struct Claims {
    std::string sub;   // account id = MQTT username
    std::string name;  // display name
    std::string jti;   // token id
    // The login session's id (32 hex digits from mqchatd); empty: none, and
    // then the token can be revoked only with its whole account.
    std::string sid;
    std::string iss = kIssuer;
    std::string aud = kAudience;
    std::int64_t iat = 0;
    std::int64_t nbf = 0;
    std::int64_t exp = 0;
    std::vector<AclEntry> acl;
};

// The compact JWS "header.payload.signature". `secret` must be at least
// kMinSecretBytes long (std::invalid_argument otherwise).
std::string sign(const Claims& claims, std::string_view secret);

struct VerifyOptions {
    std::int64_t now = 0;          // seconds since the epoch
    std::int64_t nbf_leeway = 30;  // clock skew allowed for nbf and iat
    // Longest lifetime left that a token may claim (mqchatd's --token-ttl
    // maximum): a stolen key or a server bug cannot mint a token for years.
    std::int64_t max_lifetime = kMaxTokenLifetime;
    std::string issuer = kIssuer;
    std::string audience = kAudience;
};

struct Verified {
    std::optional<Claims> claims;
    std::string error;  // one line when claims is empty: why the token was refused
};

// Checks everything a broker must check before trusting a token: shape,
// header (alg exactly HS256, no "crit"), signature (constant time), integer
// exp in the future (no leeway: expiry is enforced to the second) and at most
// max_lifetime (+ leeway) away, nbf/iat not
// in the future beyond the leeway, iss, aud, a usable sub, a well-formed acl,
// and a sid, when present, of 1 to kMaxSidBytes bytes.
Verified verify(std::string_view token, std::string_view secret, const VerifyOptions& options);

// base64url without padding (RFC 4648 §5), as JWTs use it.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// Account ids travel as MQTT user names and client-id prefixes: 1-64 of
// [a-z0-9._-], starting with a letter or digit.
bool is_valid_account_id(std::string_view id);

}  // namespace mqchat::token
