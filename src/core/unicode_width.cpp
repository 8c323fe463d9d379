// Width lookups over the generated tables, and the list of invisible characters.
#include "unicode_width.hpp"

#include <algorithm>
#include <iterator>

#include "utf8.hpp"

namespace mqchat::unicode {
namespace {

struct CodepointRange {
    char32_t first;
    char32_t last;
};

#include "width_table.inc"

// Format characters (General Category Cf) plus the sequence glue of the width
// policy: variation selectors, ZWJ/ZWNJ, skin tone modifiers, tag characters.
constexpr CodepointRange kInvisibleRanges[] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},
    {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},
    {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},
    {0x202A, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},
    {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0x1F3FB, 0x1F3FF}, {0xE0000, 0xE0FFF},
};

template <std::size_t N>
bool in_table(const CodepointRange (&table)[N], char32_t cp) {
    const auto* it =
        std::upper_bound(std::begin(table), std::end(table), cp,
                         [](char32_t c, const CodepointRange& r) { return c < r.first; });
    if (it == std::begin(table)) return false;
    --it;
    return cp >= it->first && cp <= it->last;
}

}  // namespace

int codepoint_width(char32_t cp) {
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return -1;
    if (cp < 0x7F) return 1;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    if (in_table(kUnprintableRanges, cp)) return -1;
    if (in_table(kZeroWidthRanges, cp)) return 0;
    if (in_table(kWideRanges, cp)) return 2;
    return 1;
}

bool is_invisible(char32_t cp) {
    return cp >= 0xAD && in_table(kInvisibleRanges, cp);
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto d = utf8::decode(text, pos);
        pos += d.length;
        const int w = codepoint_width(d.codepoint);
        width += static_cast<std::size_t>(w < 0 ? 1 : w);
    }
    return width;
}

}  // namespace mqchat::unicode
