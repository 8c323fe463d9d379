// Fuzzes the broker plugin's control channel: the reader never throws and
// gives exactly a command or a printable reason, every command is within the
// documented limits, and applying any input as mqchatd's message to the
// plugin's state keeps it working (a user still connects and is judged).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/fuzz_check.hpp"
#include "plugin/control.hpp"
#include "plugin/state.hpp"
#include "token/jwt.hpp"

using namespace mqchat;
using namespace mqchat::plugin;

namespace {

constexpr std::int64_t kNow = 1'750'000'000;
const std::string kKey = "fuzz-token-key-0123456789abcdef0123456789abcdef";
const std::string kServiceKey = "fuzz-service-key-0123456789abcdef0123456789abcd";

bool printable(const std::string& text) {
    for (const unsigned char c : text)
        if (c < 0x20 || c >= 0x7F) return false;
    return true;
}

struct CheckCommand {
    void operator()(const SetArchive& c) const {
        FUZZ_CHECK(c.reason.size() <= kMaxReasonBytes, "archive reason too long");
    }
    void operator()(const RevokeSession& c) const {
        FUZZ_CHECK(!c.sid.empty() && c.sid.size() <= token::kMaxSidBytes, "sid size");
    }
    void operator()(const RevokeUser& c) const {
        FUZZ_CHECK(token::is_valid_account_id(c.user), "revoked user is no account id");
    }
    void operator()(const SetQuota& c) const {
        FUZZ_CHECK(token::is_valid_account_id(c.user), "quota user is no account id");
        FUZZ_CHECK(c.reason.size() <= kMaxReasonBytes, "quota reason too long");
    }
};

std::string alice_token() {
    token::Claims c;
    c.sub = "alice";
    c.iat = kNow;
    c.nbf = kNow;
    c.exp = kNow + 900;
    c.sid = "0123456789abcdef0123456789abcdef";
    c.acl = {{"allow", "all", "chat/general/messages"}};
    return token::sign(c, kKey);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    const ParsedControl parsed = parse_control(payload);  // an exception aborts the run
    FUZZ_CHECK(parsed.command.has_value() == parsed.problem.empty(), "command xor problem");
    FUZZ_CHECK(!parsed.unknown_kind || !parsed.command, "unknown kind with a command");
    FUZZ_CHECK(printable(parsed.problem) && parsed.problem.size() < 200, parsed.problem);
    if (parsed.command) std::visit(CheckCommand{}, *parsed.command);

    Config config;
    config.token_key = kKey;
    config.service_key = kServiceKey;
    State state(config);
    static int service = 0;
    static int user = 0;
    const Now now{kNow, 0};
    FUZZ_CHECK(state.connect(&service, "$mqchatd", kServiceKey, "$mqchatd-archiver", now).session,
               "service refused");
    // Applied as one message and as each of its lines (mqchatd's replay).
    FUZZ_CHECK(state.message(&service, kControlTopic, payload, now).allowed, "control refused");
    for (std::size_t start = 0; start < payload.size();) {
        const std::size_t end = std::min(payload.find('\n', start), payload.size());
        state.message(&service, kControlTopic, payload.substr(start, end - start), now);
        start = end + 1;
    }
    state.tick(now);
    for (const LogLine& line : state.take_log())
        FUZZ_CHECK(printable(line.text), line.text);
    const AuthResult alice = state.connect(&user, "alice", alice_token(), "alice-1", now);
    FUZZ_CHECK(alice.session || !alice.refusal.empty(), "refused without a reason");
    state.acl(&user,
              {Access::write, "chat/general/messages", false, R"({"user":"alice","text":"x"})"},
              now);
    state.tick(now);
    return 0;
}
