// ULID generation and the derived-id hash.
#include "message_id.hpp"

#include <array>
#include <memory>
#include <random>

namespace mqchat {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int crockford_value(char c) {
    for (int i = 0; i < 32; ++i)
        if (kCrockford[i] == c) return i;
    return -1;
}

// 64-bit FNV-1a over the fields, with a separator so ("ab","c") != ("a","bc").
std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    h ^= 0x1F;
    h *= 0x100000001b3ULL;
    return h;
}

}  // namespace

UlidGenerator::UlidGenerator(RandomBytes source) : source_(std::move(source)) {}

UlidGenerator UlidGenerator::seeded(std::uint64_t seed) {
    auto rng = std::make_shared<std::mt19937_64>(seed);
    return UlidGenerator([rng](std::uint8_t* out, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i)
            out[i] = static_cast<std::uint8_t>((*rng)() & 0xFF);
    });
}

std::string UlidGenerator::next(std::int64_t now_ms) {
    if (now_ms < 0) now_ms = 0;
    if (now_ms > last_ms_) {
        last_ms_ = now_ms;
        std::array<std::uint8_t, 10> bytes{};
        source_(bytes.data(), bytes.size());
        rand_hi_ = static_cast<std::uint16_t>(((bytes[0] << 8) | bytes[1]) & 0x7FFF);  // headroom
        rand_lo_ = 0;
        for (std::size_t i = 2; i < bytes.size(); ++i)
            rand_lo_ = (rand_lo_ << 8) | bytes[i];
    } else if (++rand_lo_ == 0) {
        ++rand_hi_;
    }
    // 128 bits: 48 time | 16 rand_hi | 64 rand_lo, written as 26 base32 digits
    // (the first digit holds only 3 bits).
    const auto time = static_cast<std::uint64_t>(last_ms_) & 0xFFFFFFFFFFFFULL;
    const std::uint64_t hi = (time << 16) | rand_hi_;
    const std::uint64_t lo = rand_lo_;
    std::string out(26, '0');
    for (int i = 25; i >= 0; --i) {
        const int bit = (25 - i) * 5;  // position of this digit's lowest bit
        std::uint64_t v = 0;
        if (bit < 64) {
            v = lo >> bit;
            if (bit > 59) v |= hi << (64 - bit);
        } else {
            v = hi >> (bit - 64);
        }
        out[static_cast<std::size_t>(i)] = kCrockford[v & 31];
    }
    return out;
}

std::int64_t ulid_time_ms(std::string_view id) {
    if (id.size() != 26) return -1;
    std::uint64_t ms = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        const int v = crockford_value(id[i]);
        if (v < 0) return -1;
        ms = (ms << 5) | static_cast<std::uint64_t>(v);
    }
    for (std::size_t i = 10; i < 26; ++i)
        if (crockford_value(id[i]) < 0) return -1;
    return static_cast<std::int64_t>(ms & 0xFFFFFFFFFFFFULL);
}

std::string derive_message_id(std::string_view user, std::int64_t timestamp,
                              std::string_view text) {
    const std::string ts = std::to_string(timestamp);
    std::uint64_t a = 0xcbf29ce484222325ULL;
    std::uint64_t b = 0x84222325cbf29ce4ULL;
    for (std::string_view part : {user, std::string_view(ts), text}) {
        a = fnv1a(a, part);
        b = fnv1a(b ^ 0x9E3779B97F4A7C15ULL, part);
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "h-";
    for (std::uint64_t v : {a, b})
        for (int shift = 60; shift >= 0; shift -= 4)
            out += hex[(v >> shift) & 15];
    return out;
}

}  // namespace mqchat
