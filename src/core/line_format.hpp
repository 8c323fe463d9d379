// How one message becomes one line of --tail output: the default
// "HH:MM:SS <name> text", a --format template, or an NDJSON object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "message.hpp"

namespace mqchat {

// Index into a palette of `palette_size` nick colours, stable for a user id.
std::size_t nick_color_index(std::string_view user, std::size_t palette_size);

class LineFormat {
  public:
    // The default human format.
    LineFormat() = default;

    // Compiles a --format template (%T %D %u %n %m %r %i %%, and \t \n \\).
    // Returns a one-line error for an unknown directive.
    static std::variant<LineFormat, std::string> parse(std::string_view spec);

    bool is_default() const { return parts_.empty(); }

    // One line, newline included; every field sanitized; ANSI colours only
    // when `color` is set and the format is the default one.
    std::string render(const Message& m, std::string_view room, bool color) const;

  private:
    struct Part {
        char directive;  // 0 for literal text
        std::string literal;
    };
    std::vector<Part> parts_;

    std::string render_default(const Message& m, bool color) const;
};

// A notice line in the default style: "HH:MM:SS -!- text".
std::string render_notice_line(std::string_view notice, std::int64_t now_ms, bool color);

// One NDJSON line: the canonical payload plus a newline.
std::string render_json_line(const Message& m);

}  // namespace mqchat
