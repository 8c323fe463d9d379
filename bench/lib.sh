# bench/lib.sh - what the bench scripts share; sourced, never run.

# Prints N free loopback TCP ports, one line, space separated (bound at once
# so they differ; freed on return, a tiny race the scripts accept).
free_ports() {
    python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])' "$1"
}

# await WHAT TRIES DELAY PID LOG TEST...: runs TEST (a command) until it
# succeeds, at most TRIES times DELAY seconds apart; stops early, printing LOG,
# when process PID has died. Exits 1 naming WHAT when it never succeeds.
await() {
    local what=$1 tries=$2 delay=$3 pid=$4 log=$5
    shift 5
    for _ in $(seq "$tries"); do
        "$@" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$what: the process died" >&2; exit 1; }
        sleep "$delay"
    done
    cat "$log" >&2
    echo "$what: not ready after $tries tries" >&2
    exit 1
}
