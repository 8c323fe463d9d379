// Terminal-safe JSON string escaping.
#include "json_text.hpp"

#include <cstdio>

#include "unicode_width.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {

void append_u_escape(std::string& out, char32_t cp) {
    if (cp > 0xFFFF) {  // JSON spells these as a UTF-16 surrogate pair
        append_u_escape(out, 0xD800 + ((cp - 0x10000) >> 10));
        append_u_escape(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        return;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
    out += buf;
}

bool needs_u_escape(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 ||
           unicode::is_invisible(cp);
}

// Printable ASCII other than '"' and '\\' is copied as is: the common case,
// taken a run at a time without decoding.
bool plain_ascii(char c) {
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
    out.reserve(out.size() + value.size() + 2);
    out += '"';
    for (std::size_t pos = 0; pos < value.size();) {
        std::size_t run = pos;
        while (run < value.size() && plain_ascii(value[run]))
            ++run;
        if (run > pos) {
            out.append(value.substr(pos, run - pos));
            pos = run;
            continue;
        }
        const auto d = utf8::decode(value, pos);
        const char32_t cp = d.valid ? d.codepoint : utf8::kReplacement;
        switch (cp) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (needs_u_escape(cp))
                    append_u_escape(out, cp);
                else if (d.valid)
                    out.append(value.substr(pos, d.length));
                else
                    utf8::append(out, cp);
        }
        pos += d.length;
    }
    out += '"';
}

bool json_nesting_within(std::string_view s, int limit) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

}  // namespace mqchat
