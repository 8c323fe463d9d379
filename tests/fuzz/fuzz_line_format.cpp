// Fuzzes --format templates and line rendering with arbitrary fields, and the
// ISO-8601 parser that reads timestamps from payloads.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "core/line_format.hpp"
#include "core/time_format.hpp"
#include "fuzz/fuzz_check.hpp"
#include "unit/terminal_safety.hpp"

using namespace mqchat;
using test_support::Allow;
using test_support::terminal_safety_problem;

namespace {

constexpr std::int64_t kYear0 = -62167219200000;      // 0000-01-01T00:00:00Z
constexpr std::int64_t kYear10000 = 253402300800000;  // 10000-01-01T00:00:00Z

std::string without_our_sgr(std::string line, const Message& m) {
    static const char* const palette[] = {"31", "32", "33", "34", "35", "36",
                                          "91", "92", "93", "94", "95", "96"};
    const std::string& key = m.user.empty() ? m.name : m.user;
    const std::string nick =
        std::string("\x1b[") + palette[nick_color_index(key, std::size(palette))] + "m";
    for (const std::string& sgr : {std::string("\x1b[2m"), std::string("\x1b[0m"), nick})
        for (auto at = line.find(sgr); at != std::string::npos; at = line.find(sgr))
            line.erase(at, sgr.size());
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const std::string spec = in.ConsumeRandomLengthString(256);
    const std::string room = in.ConsumeRandomLengthString(80);
    const bool color = in.ConsumeBool();
    Message m;
    m.id = in.ConsumeRandomLengthString(80);
    m.user = in.ConsumeRandomLengthString(80);
    m.name = in.ConsumeRandomLengthString(80);
    m.kind = in.ConsumeBool() ? MessageKind::me : MessageKind::text;
    m.timestamp = in.ConsumeIntegral<std::int64_t>();
    m.text = in.ConsumeRemainingBytesAsString();

    // The default line: only our own colours, otherwise one safe line.
    const std::string line = LineFormat().render(m, room, color);
    FUZZ_CHECK(!line.empty() && line.back() == '\n', "default line without its newline");
    const std::string body = without_our_sgr(line.substr(0, line.size() - 1), m);
    FUZZ_CHECK(terminal_safety_problem(body).empty(), terminal_safety_problem(body));

    // A template: parsed or refused with a safe one-line reason; rendered
    // lines hold only the tabs and newlines the template asked for.
    auto parsed = LineFormat::parse(spec);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        FUZZ_CHECK(terminal_safety_problem(*error).empty(), terminal_safety_problem(*error));
    } else {
        const std::string custom = std::get<LineFormat>(parsed).render(m, room, color);
        FUZZ_CHECK(!custom.empty() && custom.back() == '\n', "template line without its newline");
        FUZZ_CHECK(custom.find('\x1b') == std::string::npos, "a template line carries ESC");
        FUZZ_CHECK(terminal_safety_problem(custom, Allow::layout).empty(),
                   terminal_safety_problem(custom, Allow::layout));
    }

    // Notices and clocks.
    const std::string notice = render_notice_line(m.text, m.timestamp, false);
    FUZZ_CHECK(terminal_safety_problem(notice.substr(0, notice.size() - 1)).empty(),
               "unsafe notice line");
    FUZZ_CHECK(format_clock(m.timestamp).size() == 8, "clock is not HH:MM:SS");
    const std::string iso = format_iso8601_ms(m.timestamp);
    FUZZ_CHECK(!iso.empty() && iso.back() == 'Z', iso);
    if (m.timestamp >= kYear0 && m.timestamp < kYear10000)
        FUZZ_CHECK(parse_iso8601_ms(iso) == m.timestamp, "ISO-8601 round trip failed: " + iso);

    // Timestamps from payloads: whatever parses formats back to the same instant.
    if (const auto t = parse_iso8601_ms(m.text); t && *t >= kYear0 && *t < kYear10000)
        FUZZ_CHECK(parse_iso8601_ms(format_iso8601_ms(*t)) == t, "parsed time does not round-trip");
    return 0;
}
