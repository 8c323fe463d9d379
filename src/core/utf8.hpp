// UTF-8 decoding and encoding: the only place that interprets raw bytes as text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mqchat::utf8 {

inline constexpr char32_t kReplacement = U'\uFFFD';

struct Decoded {
    char32_t codepoint;  // kReplacement when the bytes were not valid UTF-8
    std::size_t length;  // bytes consumed, at least 1
    bool valid;
};

// Decodes one code point at `pos`. Invalid input (overlong forms, surrogates,
// values past U+10FFFF, truncated sequences) consumes the maximal invalid
// subpart, as Unicode recommends, so one bad byte never swallows good text.
Decoded decode(std::string_view bytes, std::size_t pos);

void append(std::string& out, char32_t codepoint);

bool is_valid(std::string_view bytes);

// Replaces every invalid sequence by U+FFFD; valid input is returned unchanged.
std::string make_valid(std::string_view bytes);

}  // namespace mqchat::utf8
