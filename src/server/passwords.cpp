// libsodium password hashing.
#include "passwords.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

#include "core/utf8.hpp"

namespace mqchat::server {
namespace {

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium failed to initialize");
}

std::size_t code_points(std::string_view text) {
    std::size_t n = 0;
    for (const unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

}  // namespace

std::string password_problem(std::string_view password) {
    if (password.empty()) return "the password is empty";
    if (password.size() > kMaxPasswordBytes)
        return "the password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes";
    if (!utf8::is_valid(password)) return "the password is not valid UTF-8";
    if (code_points(password) < kMinPasswordChars)
        return "the password is shorter than " + std::to_string(kMinPasswordChars) + " characters";
    return {};
}

std::string hash_password(std::string_view password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("password hashing ran out of memory");
    return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_sodium();
    // crypto_pwhash_str_verify wants a NUL-terminated hash of bounded length.
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    const std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void verify_against_dummy(std::string_view password) {
    static std::once_flag once;
    static std::string dummy;
    // Hashed lazily from a random password nobody knows: same parameters as
    // real hashes, so the cost of a verification is the same.
    std::call_once(once, [] {
        ensure_sodium();
        unsigned char random[32];
        randombytes_buf(random, sizeof random);
        dummy =
            hash_password(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    });
    [[maybe_unused]] const bool never = verify_password(dummy, password);
}

}  // namespace mqchat::server
