// Implementation of the terminal sanitizer: a single pass over decoded code points.
#include "sanitize.hpp"

#include <cstddef>

#include "unicode_width.hpp"
#include "utf8.hpp"

namespace mqchat {
namespace {

constexpr char32_t kEsc = 0x1B;
constexpr char32_t kBel = 0x07;
constexpr char32_t kC1Dcs = 0x90;
constexpr char32_t kC1Sos = 0x98;
constexpr char32_t kC1Csi = 0x9B;
constexpr char32_t kC1St = 0x9C;
constexpr char32_t kC1Osc = 0x9D;
constexpr char32_t kC1Pm = 0x9E;
constexpr char32_t kC1Apc = 0x9F;
constexpr std::size_t kMaxCombiningRun = 8;

class Sanitizer {
  public:
    Sanitizer(std::string_view in, Newlines newlines) : in_(in), newlines_(newlines) {
        out_.reserve(in.size());
    }

    std::string run() {
        while (pos_ < in_.size())
            step();
        return std::move(out_);
    }

  private:
    char32_t peek() const { return pos_ < in_.size() ? utf8::decode(in_, pos_).codepoint : 0; }

    char32_t next() {
        const auto d = utf8::decode(in_, pos_);
        pos_ += d.length;
        return d.codepoint;
    }

    void step() {
        const auto d = utf8::decode(in_, pos_);
        pos_ += d.length;
        if (!d.valid) return emit_replacement();
        const char32_t cp = d.codepoint;
        if (cp == kEsc) return skip_escape();
        if (cp == kC1Csi) return skip_csi_body();
        if (cp == kC1Osc || cp == kC1Dcs || cp == kC1Sos || cp == kC1Pm || cp == kC1Apc)
            return skip_control_string();
        if (cp == '\r') {
            if (peek() == '\n') next();
            return line_break();
        }
        if (cp == '\n' || cp == 0x2028 || cp == 0x2029) return line_break();
        if (cp == '\t') return append_ascii(newlines_ == Newlines::keep ? "    " : " ");
        if (unicode::is_invisible(cp)) return;
        const int width = unicode::codepoint_width(cp);
        if (width < 0) {
            if (cp >= 0xA0) emit_replacement();  // unassigned or noncharacter
            return;                              // C0, DEL, C1: dropped
        }
        if (width == 0) {
            if (++combining_run_ > kMaxCombiningRun) return;
        } else {
            combining_run_ = 0;
        }
        emit(cp);
    }

    // ESC has been consumed. Drop the whole sequence the terminal would act on.
    void skip_escape() {
        if (pos_ >= in_.size()) return;
        const char32_t c = peek();
        if (c == '[') {
            next();
            return skip_csi_body();
        }
        if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
            next();
            return skip_control_string();
        }
        while (c >= 0x20 && c <= 0x2F && pos_ < in_.size() && peek() >= 0x20 && peek() <= 0x2F)
            next();  // nF intermediates such as ESC ( B
        if (pos_ < in_.size() && peek() >= 0x30 && peek() <= 0x7E) next();
    }

    // Parameters 0x30-0x3F, intermediates 0x20-0x2F, then one final byte 0x40-0x7E.
    void skip_csi_body() {
        while (pos_ < in_.size()) {
            const char32_t c = peek();
            if (c >= 0x20 && c <= 0x3F) {
                next();
                continue;
            }
            if (c >= 0x40 && c <= 0x7E) next();
            return;  // anything else ends the sequence and is processed normally
        }
    }

    // OSC/DCS/SOS/PM/APC run to BEL or ST (ESC \ or 0x9C); an unterminated one
    // runs to the end, as it would in the terminal.
    void skip_control_string() {
        while (pos_ < in_.size()) {
            const char32_t c = next();
            if (c == kBel || c == kC1St) return;
            if (c == kEsc) {
                if (peek() == '\\') next();
                return;
            }
        }
    }

    void line_break() {
        combining_run_ = 0;
        if (newlines_ == Newlines::keep) {
            out_ += '\n';
        } else {
            append_ascii(" \u23CE ");
        }
    }

    void append_ascii(std::string_view s) {
        combining_run_ = 0;
        out_.append(s);
    }

    void emit(char32_t cp) { utf8::append(out_, cp); }

    // U+FFFD is a visible base character: marks after it start a new run.
    void emit_replacement() {
        combining_run_ = 0;
        emit(utf8::kReplacement);
    }

    std::string_view in_;
    Newlines newlines_;
    std::size_t pos_ = 0;
    std::size_t combining_run_ = 0;
    std::string out_;
};

}  // namespace

std::string sanitize(std::string_view bytes, Newlines newlines) {
    return Sanitizer(bytes, newlines).run();
}

}  // namespace mqchat
