// Rendering of tail lines. Fields from the network pass the sanitizer here.
#include "line_format.hpp"

#include "payload_codec.hpp"
#include "sanitize.hpp"
#include "time_format.hpp"

namespace mqchat {
namespace {

// Readable on dark and light backgrounds: red..cyan, normal and bright.
constexpr const char* kNickColors[] = {"31", "32", "33", "34", "35", "36",
                                       "91", "92", "93", "94", "95", "96"};
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

void append_colored(std::string& out, const std::string& text, const char* sgr, bool color) {
    if (!color) {
        out += text;
        return;
    }
    out += "\x1b[";
    out += sgr;
    out += 'm';
    out += text;
    out += kReset;
}

// Template text is the user's own, but it still goes to a terminal: keep the
// tabs and newlines asked for (sanitize would expand a tab), drop anything else.
std::string sanitize_literal(std::string_view literal) {
    std::string out;
    for (std::size_t start = 0;;) {
        const auto tab = literal.find('\t', start);
        out += sanitize(literal.substr(start, tab - start), Newlines::keep);
        if (tab == std::string_view::npos) return out;
        out += '\t';
        start = tab + 1;
    }
}

}  // namespace

std::size_t nick_color_index(std::string_view user, std::size_t palette_size) {
    std::uint32_t h = 2166136261U;
    for (unsigned char c : user) {
        h ^= c;
        h *= 16777619U;
    }
    return palette_size == 0 ? 0 : h % palette_size;
}

std::variant<LineFormat, std::string> LineFormat::parse(std::string_view spec) {
    LineFormat f;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) f.parts_.push_back({0, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < spec.size(); ++i) {
        const char c = spec[i];
        if (c == '\\' && i + 1 < spec.size() &&
            (spec[i + 1] == 't' || spec[i + 1] == 'n' || spec[i + 1] == '\\')) {
            ++i;
            literal += spec[i] == 't' ? '\t' : spec[i] == 'n' ? '\n' : '\\';
            continue;
        }
        if (c != '%') {
            literal += c;
            continue;
        }
        if (i + 1 >= spec.size())
            return std::string("--format ends with a lone '%' (write %% for a percent sign)");
        const char d = spec[++i];
        if (d == '%') {
            literal += '%';
            continue;
        }
        if (std::string_view("TDunmri").find(d) == std::string_view::npos) {
            const bool printable = d > 0x20 && d < 0x7F;
            return "unknown directive '%" + (printable ? std::string(1, d) : std::string("?")) +
                   "' in --format (known: %T %D %u %n %m %r %i %%)";
        }
        flush();
        f.parts_.push_back({d, {}});
    }
    flush();
    if (f.parts_.empty()) f.parts_.push_back({0, ""});  // an empty template prints empty lines
    for (auto& p : f.parts_)
        if (p.directive == 0) p.literal = sanitize_literal(p.literal);
    return f;
}

std::string LineFormat::render_default(const Message& m, bool color) const {
    std::string out;
    out.reserve(m.text.size() + 32);
    const std::string clock = format_clock(m.timestamp);
    if (color) {
        out += kDim;
        out += clock;
        out += kReset;
    } else {
        out += clock;
    }
    const char* nick_sgr =
        kNickColors[nick_color_index(m.user.empty() ? m.name : m.user, std::size(kNickColors))];
    const std::string name = sanitize(m.shown_name());
    if (m.kind == MessageKind::me) {
        out += " * ";
        append_colored(out, name, nick_sgr, color);
    } else {
        out += " <";
        append_colored(out, name, nick_sgr, color);
        out += '>';
    }
    out += ' ';
    out += sanitize(m.text);
    out += '\n';
    return out;
}

std::string LineFormat::render(const Message& m, std::string_view room, bool color) const {
    if (is_default()) return render_default(m, color);
    std::string out;
    for (const auto& p : parts_) {
        switch (p.directive) {
            case 0:
                out += p.literal;
                break;
            case 'T':
                out += format_clock(m.timestamp);
                break;
            case 'D':
                out += format_iso8601_ms(m.timestamp);
                break;
            case 'u':
                out += sanitize(m.user);
                break;
            case 'n':
                out += sanitize(m.shown_name());
                break;
            case 'm':
                out += sanitize(m.text);
                break;
            case 'r':
                out += sanitize(room);
                break;
            case 'i':
                out += sanitize(m.id);
                break;
            default:
                break;
        }
    }
    out += '\n';
    return out;
}

std::string render_notice_line(std::string_view notice, std::int64_t now_ms, bool color) {
    std::string out = format_clock(now_ms);
    out += color ? " \x1b[33m-!-\x1b[0m " : " -!- ";
    out += sanitize(notice);
    out += '\n';
    return out;
}

std::string render_json_line(const Message& m) {
    return encode_payload(m) + "\n";
}

}  // namespace mqchat
