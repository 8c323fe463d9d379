// Fuzzes the terminal sanitizer and the other code that quotes untrusted
// bytes: whatever comes in, what goes out is safe for a terminal.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/json_text.hpp"
#include "core/room_name.hpp"
#include "core/sanitize.hpp"
#include "core/unicode_width.hpp"
#include "core/utf8.hpp"
#include "fuzz/fuzz_check.hpp"
#include "unit/terminal_safety.hpp"

using namespace mqchat;
using test_support::Allow;
using test_support::terminal_safety_problem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    // One line: nothing but printable characters, marks capped, idempotent.
    const std::string folded = sanitize(in, Newlines::fold);
    FUZZ_CHECK(terminal_safety_problem(folded).empty(), terminal_safety_problem(folded));
    FUZZ_CHECK(test_support::longest_zero_width_run(folded) <= 8, "combining run over 8");
    FUZZ_CHECK(sanitize(folded, Newlines::fold) == folded, "fold is not idempotent");
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < folded.size();) {
        const auto d = utf8::decode(folded, pos);
        pos += d.length;
        width += static_cast<std::size_t>(unicode::codepoint_width(d.codepoint));
    }
    FUZZ_CHECK(unicode::display_width(folded) == width,
               "display width is not the sum of the columns");

    // Keep mode: the same, plus '\n'.
    const std::string kept = sanitize(in, Newlines::keep);
    FUZZ_CHECK(terminal_safety_problem(kept, Allow::newline).empty(),
               terminal_safety_problem(kept, Allow::newline));
    FUZZ_CHECK(sanitize(kept, Newlines::keep) == kept, "keep is not idempotent");

    // UTF-8 repair.
    const std::string valid = utf8::make_valid(in);
    FUZZ_CHECK(utf8::is_valid(valid), "make_valid gave invalid UTF-8");
    FUZZ_CHECK(!utf8::is_valid(in) || valid == in, "make_valid changed valid text");

    // JSON strings: valid JSON, no raw control or invisible character, and
    // they decode to the repaired text.
    std::string json;
    append_json_string(json, in);
    FUZZ_CHECK(terminal_safety_problem(json, Allow::nothing, false).empty(),
               terminal_safety_problem(json, Allow::nothing, false));
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    FUZZ_CHECK(parsed.is_string(), "append_json_string gave invalid JSON");
    FUZZ_CHECK(parsed.get_ref<const std::string&>() == valid, "JSON string does not round-trip");

    // Error quoting of room names (and of everything else quote_for_error shows).
    const std::string quoted = quote_for_error(in);
    FUZZ_CHECK(terminal_safety_problem(quoted).empty(), terminal_safety_problem(quoted));
    const std::string problem = room_name_problem(in);
    FUZZ_CHECK(terminal_safety_problem(problem).empty(), terminal_safety_problem(problem));
    if (problem.empty()) {  // accepted: 1-64 characters of [A-Za-z0-9._-], safe in a topic
        FUZZ_CHECK(!in.empty() && in.size() <= kMaxRoomNameLength, "room name length");
        for (char c : in) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            FUZZ_CHECK(ok, "room name accepted with a character outside [A-Za-z0-9._-]");
        }
    }
    return 0;
}
