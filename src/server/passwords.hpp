// Password hashing with libsodium's crypto_pwhash_str (Argon2id, interactive
// limits) and the rules a new password must meet.
#pragma once

#include <string>
#include <string_view>

namespace mqchat::server {

inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Empty when `password` is acceptable; otherwise a one-line reason (that
// never repeats the password).
std::string password_problem(std::string_view password);

// A self-describing salted hash ("$argon2id$v=19$..."). Throws std::runtime_error.
std::string hash_password(std::string_view password);

// Constant-time check of `password` against `hash`.
bool verify_password(std::string_view hash, std::string_view password);

// Spends the time of one verification against a fixed dummy hash, so a login
// for an unknown email takes as long as one with a wrong password.
void verify_against_dummy(std::string_view password);

}  // namespace mqchat::server
