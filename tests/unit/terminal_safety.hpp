// The terminal-safety invariants every sanitized string and every encoded
// payload must hold, as plain functions shared by the unit tests and fuzzers.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/unicode_width.hpp"
#include "core/utf8.hpp"

namespace mqchat::test_support {

enum class Allow {
    nothing,  // one terminal line: no control character at all
    newline,  // Newlines::keep output: '\n' may appear
    layout,   // a --format line: '\n' and '\t' from the template may appear
};

inline std::string describe(char32_t cp, std::size_t offset, const char* what) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s U+%04X at byte %zu", what, static_cast<unsigned>(cp),
                  offset);
    return buf;
}

// Empty when `text` is valid UTF-8 without C0/C1 controls, DEL, line or
// paragraph separators and invisible or bidi format characters. With
// `printable`, every code point must also have a display width (what the
// sanitizer guarantees; encoded JSON may carry unassigned code points raw).
inline std::string terminal_safety_problem(std::string_view text, Allow allow = Allow::nothing,
                                           bool printable = true) {
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        const char32_t cp = d.codepoint;
        if (!d.valid)
            return describe(static_cast<unsigned char>(text[pos]), pos, "invalid UTF-8 byte");
        const bool layout =
            (cp == '\n' && allow != Allow::nothing) || (cp == '\t' && allow == Allow::layout);
        if (layout) {
            pos += d.length;
            continue;
        }
        if (cp < 0x20) return describe(cp, pos, "C0 control");
        if (cp == 0x7F) return describe(cp, pos, "DEL");
        if (cp >= 0x80 && cp < 0xA0) return describe(cp, pos, "C1 control");
        if (cp == 0x2028 || cp == 0x2029) return describe(cp, pos, "line/paragraph separator");
        if (unicode::is_invisible(cp)) return describe(cp, pos, "invisible or bidi character");
        if (printable && unicode::codepoint_width(cp) < 0) return describe(cp, pos, "unprintable");
        pos += d.length;
    }
    return {};
}

// Longest run of zero-width code points (stacked combining marks).
inline std::size_t longest_zero_width_run(std::string_view text) {
    std::size_t run = 0;
    std::size_t longest = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        pos += d.length;
        if (d.valid && unicode::codepoint_width(d.codepoint) == 0) {
            if (++run > longest) longest = run;
        } else {
            run = 0;
        }
    }
    return longest;
}

}  // namespace mqchat::test_support
