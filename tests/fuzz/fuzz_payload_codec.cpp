// Fuzzes the payload reader: it never throws, always says something (a
// message or a notice), and every message it gives re-encodes to valid,
// terminal-safe JSON that reads back the same.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/line_format.hpp"
#include "core/payload_codec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "unit/terminal_safety.hpp"

using namespace mqchat;
using test_support::Allow;
using test_support::terminal_safety_problem;

namespace {

constexpr std::int64_t kReceived = 1732441260123;

bool usable_id(const std::string& id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    for (unsigned char c : id)
        if (c < 0x21 || c > 0x7E) return false;
    return true;
}

bool same(const Message& a, const Message& b) {
    return a.id == b.id && a.user == b.user && a.name == b.name && a.text == b.text &&
           a.timestamp == b.timestamp && a.kind == b.kind && a.reply_to == b.reply_to;
}

// A rendered line: its body must be safe and the newline its only one.
// Sanitized lines hold only printable characters; JSON lines may carry
// unassigned code points raw (they are text, not controls).
void check_line(const std::string& line, const char* what, bool printable = true) {
    FUZZ_CHECK(!line.empty() && line.back() == '\n', what);
    const std::string body = line.substr(0, line.size() - 1);
    const std::string problem = terminal_safety_problem(body, Allow::nothing, printable);
    FUZZ_CHECK(problem.empty(), std::string(what) + ": " + problem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    const DecodeResult r = decode_payload(payload, kReceived);  // an exception aborts the run
    FUZZ_CHECK(!r.messages.empty() || !r.notice.empty(), "neither a message nor a notice");
    if (!r.notice.empty())
        check_line(render_notice_line(r.notice, kReceived, false), "notice line");

    const LineFormat plain;
    for (const Message& m : r.messages) {
        FUZZ_CHECK(usable_id(m.id), "unusable id: " + m.id);
        FUZZ_CHECK(m.kind != MessageKind::notice, "a payload claimed to be a notice");

        const std::string encoded = encode_payload(m);
        FUZZ_CHECK(nlohmann::json::accept(encoded), "encode_payload gave invalid JSON: " + encoded);
        FUZZ_CHECK(terminal_safety_problem(encoded, Allow::nothing, false).empty(),
                   terminal_safety_problem(encoded, Allow::nothing, false));
        if (encoded.size() <= kMaxPayloadBytes) {
            const DecodeResult again = decode_payload(encoded, 0);
            FUZZ_CHECK(again.notice.empty() && again.messages.size() == 1,
                       "re-encoded message unreadable");
            FUZZ_CHECK(same(again.messages.front(), m), "re-encoded message reads back different");
        }

        check_line(plain.render(m, "general", false), "default line");
        check_line(render_json_line(m), "json line", false);
    }
    return 0;
}
