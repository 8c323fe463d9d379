// Session secrets, digests and Bearer parsing.
#include "sessions.hpp"

#include <sodium.h>

#include <stdexcept>

#include "token/jwt.hpp"

namespace mqchat::server {
namespace {

constexpr std::size_t kSessionBytes = 32;
constexpr std::size_t kMaxBearerBytes = 256;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool is_base64url(std::string_view text) {
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string random_token(std::size_t count) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
    std::string bytes(count, '\0');
    randombytes_buf(bytes.data(), bytes.size());
    return token::base64url_encode(bytes);
}

std::string session_digest(std::string_view secret) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size());
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

IssuedSession create_session(Store& store, const std::string& user_id, std::int64_t now_ms) {
    IssuedSession session{random_token(kSessionBytes), now_ms + kSessionLifetimeMs};
    store.insert_session(session_digest(session.secret), user_id, now_ms, session.expires_at);
    return session;
}

std::optional<std::string> bearer_secret(std::string_view authorization) {
    const auto space = authorization.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    if (!equals_ignoring_case(authorization.substr(0, space), "bearer")) return std::nullopt;
    std::string_view secret = authorization.substr(space + 1);
    while (!secret.empty() && secret.front() == ' ')
        secret.remove_prefix(1);
    while (!secret.empty() && secret.back() == ' ')
        secret.remove_suffix(1);
    if (secret.empty() || secret.size() > kMaxBearerBytes || !is_base64url(secret))
        return std::nullopt;
    return std::string(secret);
}

std::optional<ValidSession> valid_session(Store& store, std::string_view authorization,
                                          std::int64_t now_ms) {
    const auto secret = bearer_secret(authorization);
    if (!secret) return std::nullopt;
    std::string digest = session_digest(*secret);
    auto user = store.session_user(digest, now_ms);
    if (!user) return std::nullopt;
    return ValidSession{std::move(*user), std::move(digest)};
}

std::optional<UserRecord> authenticate(Store& store, std::string_view authorization,
                                       std::int64_t now_ms) {
    auto session = valid_session(store, authorization, now_ms);
    if (!session) return std::nullopt;
    return std::move(session->user);
}

std::optional<std::string> revoke(Store& store, std::string_view authorization,
                                  std::int64_t now_ms) {
    auto session = valid_session(store, authorization, now_ms);
    if (!session || !store.revoke_session(session->token_hash, now_ms)) return std::nullopt;
    return std::move(session->token_hash);
}

}  // namespace mqchat::server
