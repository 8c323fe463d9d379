// Process exit codes of SPEC §5: the contract scripts rely on.
#pragma once

namespace mqchat {

enum class ExitCode : int {
    ok = 0,
    unexpected = 1,
    usage = 2,  // usage or invalid input
    config = 3,
    login_refused = 4,  // or session expired
    token_failed = 5,
    history_failed = 6,
    broker_failed = 7,  // unreachable or refused
    timeout = 8,        // or not acknowledged
    interrupted = 130,
};

constexpr int to_int(ExitCode c) {
    return static_cast<int>(c);
}

}  // namespace mqchat
