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
