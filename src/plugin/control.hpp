// The control messages mqchatd sends the plugin on $mqchatd/control and their
// strict reader: untrusted bytes in, one typed command (or why not) out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mqchat::plugin {

inline constexpr std::size_t kMaxControlBytes = 4096;
inline constexpr std::size_t kMaxReasonBytes = 200;

// {"kind":"archive","open":bool,"reason":string?}
struct SetArchive {
    bool open = true;
    std::string reason;
};

// {"kind":"revoke-session","sid":string,"until":int}
struct RevokeSession {
    std::string sid;
    std::int64_t until = 0;  // seconds since the epoch
};

// {"kind":"revoke-user","user":account id}
struct RevokeUser {
    std::string user;
};

// {"kind":"quota","user":account id,"over":bool,"reason":string?}
struct SetQuota {
    std::string user;
    bool over = false;
    std::string reason;
};

using ControlCommand = std::variant<SetArchive, RevokeSession, RevokeUser, SetQuota>;

struct ParsedControl {
    std::optional<ControlCommand> command;
    // Without a command: true for a well-formed message of a kind this plugin
    // does not know (a newer mqchatd), false for a malformed one.
    bool unknown_kind = false;
    std::string problem;  // one short line, printable ASCII only
};

// Reads one control message: a JSON object of at most kMaxControlBytes with a
// string "kind" and that kind's members (types exact; a sid as the token
// accepts it, users as account ids, reasons up to kMaxReasonBytes; members
// it does not know are ignored). Never throws.
ParsedControl parse_control(std::string_view payload);

}  // namespace mqchat::plugin
