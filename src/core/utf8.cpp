// UTF-8 decoding per the Unicode "maximal subpart" rule, and encoding.
#include "utf8.hpp"

namespace mqchat::utf8 {
namespace {

constexpr bool is_continuation(unsigned char b) {
    return (b & 0xC0U) == 0x80U;
}

// The valid range of the second byte depends on the lead byte (Unicode table 3-7).
bool second_byte_ok(unsigned char lead, unsigned char b) {
    switch (lead) {
        case 0xE0:
            return b >= 0xA0 && b <= 0xBF;
        case 0xED:
            return b >= 0x80 && b <= 0x9F;
        case 0xF0:
            return b >= 0x90 && b <= 0xBF;
        case 0xF4:
            return b >= 0x80 && b <= 0x8F;
        default:
            return is_continuation(b);
    }
}

}  // namespace

Decoded decode(std::string_view bytes, std::size_t pos) {
    const auto lead = static_cast<unsigned char>(bytes[pos]);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t need = 0;
    char32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
        cp = lead & 0x1FU;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        cp = lead & 0x0FU;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        cp = lead & 0x07U;
    } else {
        return {kReplacement, 1, false};
    }
    std::size_t i = 1;
    for (; i <= need; ++i) {
        if (pos + i >= bytes.size()) return {kReplacement, i, false};
        const auto b = static_cast<unsigned char>(bytes[pos + i]);
        const bool ok = (i == 1) ? second_byte_ok(lead, b) : is_continuation(b);
        if (!ok) return {kReplacement, i, false};
        cp = (cp << 6) | (b & 0x3FU);
    }
    return {cp, need + 1, true};
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool is_valid(std::string_view bytes) {
    for (std::size_t pos = 0; pos < bytes.size();) {
        const auto d = decode(bytes, pos);
        if (!d.valid) return false;
        pos += d.length;
    }
    return true;
}

std::string make_valid(std::string_view bytes) {
    if (is_valid(bytes)) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() + 8);
    for (std::size_t pos = 0; pos < bytes.size();) {
        const auto d = decode(bytes, pos);
        if (d.valid)
            out.append(bytes.substr(pos, d.length));
        else
            append(out, kReplacement);
        pos += d.length;
    }
    return out;
}

}  // namespace mqchat::utf8
