// Display width of code points and strings: the one width policy of mqchat.
//
// Policy: widths are glibc's wcwidth (Unicode tables generated into
// width_table.inc). Emoji sequences that terminals disagree about are reduced to
// their visible code points by the sanitizer (variation selectors, ZWJ, skin
// tone modifiers and tag characters are dropped), so every cell we count is a
// cell every terminal draws.
#pragma once

#include <cstddef>
#include <string_view>

namespace mqchat::unicode {

// 0, 1 or 2 columns; -1 for controls and code points that are not printable.
int codepoint_width(char32_t cp);

// Characters that draw nothing or reorder text: bidi controls, other format
// characters (Cf), and the emoji-sequence glue the width policy drops.
bool is_invisible(char32_t cp);

// Width of already sanitized UTF-8 text (invalid bytes count as one column).
std::size_t display_width(std::string_view text);

}  // namespace mqchat::unicode
