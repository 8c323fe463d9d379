#!/usr/bin/env bash
# bench/tui_flood.sh - the full-screen chat (`mqchat ROOM`) under a message
# flood, inside tmux, against the whole mqchat stack (mqchatd serve with its
# embedded Mosquitto and auth plugin), next to two reference clients fed the
# same flood in the same tmux setup.
#
# Each of REPS runs (default 3) has four phases, each in a fresh room:
#   tuiecho: `mqchat ROOM -v` in a tmux pane. ECHO_SAMPLES keystroke echo
#         delays with nothing else going on, then ECHO_SAMPLES more while the
#         flood (below) goes into ANOTHER room: the machine is as busy, but the
#         TUI gets no messages. This session is then closed.
#   tui:  a fresh `mqchat ROOM -v`; RATE messages/s (default 5000) for
#         DURATION s (default 10) published into its room while ECHO_SAMPLES
#         keystroke echo delays are taken, spread over the flood. Its -v exit
#         line ("N frames drawn for M live messages") covers this session only.
#   sub:  `mosquitto_sub -q 1` (raw payloads) in a tmux pane, same flood.
#   tail: `mqchat ROOM --tail -n 0` in a tmux pane, same flood.
# Reported per phase: the client's CPU time (user+sys from /proc/PID/stat,
# from flood start until the last message is on screen), its peak RSS
# (VmHWM just before it is stopped), the messages it got, the time from the
# publisher's exit until the last message was on screen, the bytes it wrote
# to its terminal, the tmux server's CPU over the same window, and how long
# the client's main thread was runnable but waiting for a CPU (schedstat).
# For the TUI also the frames it drew (its -v exit line) and the echo delays.
#
# Keystroke echo delay: a letter is typed with tmux send-keys and the input
# line (the pane's last row) is polled with capture-pane until it shows every
# letter typed so far (ECHO_TIMEOUT, 15 s, counts it lost). Both go through one persistent tmux control-mode client (python3), so a
# poll costs no fork: about 0.3 ms per round trip, plus a 1 ms pause between
# polls so the poller does not take a whole core from the client it measures.
#
# Publisher: PUBLISHERS (default 1) times `mqchat ROOM --send -` (QoS 1, waits
# for every ack), each fed by a python3 generator that writes RATE/PUBLISHERS
# lines/s at an even pace (a batch every ~1 ms). A publisher that cannot keep
# up first queues lines (mqchat reads up to 4096 ahead, plus the pipe), then
# blocks its generator; so the achieved rate is reported as messages /
# (generator start -> last publisher exit), with the publisher's lag after
# its input ended. mosquitto_sub gets its MQTT token from the token route
# (python3, with the viewer's stored session) through its default-options
# file ($XDG_CONFIG_HOME/mosquitto_sub, mode 0600): never on a command line.
#
# Usage: bench/tui_flood.sh [BIN_DIR]   (default build/default/bin: mqchat, mqchatd, libmqchat_auth.so)
#   env: RATE=5000 DURATION=10 REPS=3 ECHO_SAMPLES=20 PUBLISHERS=1 COLS=120 ROWS=40
#        CATCHUP_TIMEOUT=60 KEEP=1 (keep the temp dir: logs, pane output)
# Needs: bash 5, tmux (>= 3.2), mosquitto_sub, python3, awk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
BIN=$(cd "${1:-${BIN:-$here/../build/default/bin}}" && pwd)
RATE=${RATE:-5000}
DURATION=${DURATION:-10}
REPS=${REPS:-3}
ECHO_SAMPLES=${ECHO_SAMPLES:-20}
PUBLISHERS=${PUBLISHERS:-1}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
CATCHUP_TIMEOUT=${CATCHUP_TIMEOUT:-60}
ECHO_TIMEOUT=15        # one keystroke echo counts as lost after this long
IDLE_INTERVAL=0.2      # seconds between idle echo samples

for tool in tmux mosquitto_sub python3 awk; do
    command -v "$tool" >/dev/null || { echo "tui_flood.sh: $tool not found" >&2; exit 2; }
done
# The interpreter itself: a version manager's python3 shim can take seconds to
# start on a loaded machine, which would shift the flood against its timing.
PY=$(python3 -c 'import sys; print(sys.executable)')
for f in mqchat mqchatd libmqchat_auth.so; do
    [[ -e $BIN/$f ]] || { echo "tui_flood.sh: $BIN/$f not found (scripts/build build/default -- mqchat mqchatd mqchat_auth)" >&2; exit 2; }
done
((ECHO_SAMPLES <= 26 && 3 * ECHO_SAMPLES <= COLS - 3)) || { echo "tui_flood.sh: ECHO_SAMPLES is at most 26 and (COLS - 3) / 3" >&2; exit 2; }
((BASH_VERSINFO[0] >= 5)) || { echo "tui_flood.sh: needs bash 5 (\$EPOCHREALTIME)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqchat-tuiflood.XXXXXX")
SOCK=mqchat-tuiflood-$$
TMUX_CMD=(env -u TMUX tmux -L "$SOCK")
mqchatd_pid=
# Kills a process and all its descendants (the publisher pipelines' children).
kill_tree() {
    local child
    for child in $(cat "/proc/$1/task/"*/children 2>/dev/null); do kill_tree "$child"; done
    kill "$1" 2>/dev/null || true
}
tmux_pid='' tmux_socket=''
cleanup() {
    local pids pid
    "${TMUX_CMD[@]}" kill-server 2>/dev/null || true
    # Probe clients still there (a probe killed before it could close its own)
    # would keep the server from exiting.
    if [[ -s $tmp/probe-clients ]]; then
        while read -r pid; do
            if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == tmux* ]]; then kill "$pid" 2>/dev/null || true; fi
        done <"$tmp/probe-clients"
    fi
    if [[ -n $tmux_pid ]]; then
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$tmux_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$tmux_pid" 2>/dev/null || true
    fi
    [[ -n $tmux_socket ]] && rm -f "$tmux_socket"
    pids=$(jobs -pr) || true
    for pid in $pids; do
        if [[ $pid != "$mqchatd_pid" ]]; then kill_tree "$pid"; fi
    done
    if [[ -n $mqchatd_pid ]]; then
        kill "$mqchatd_pid" 2>/dev/null || true # it stops its broker
        wait "$mqchatd_pid" 2>/dev/null || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "tui_flood.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | { grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
CLK_TCK=$(getconf CLK_TCK)
# user+sys CPU seconds of a process (fields 14 and 15; field 2 may hold spaces).
cpu_s() { sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$CLK_TCK" '{ printf "%.2f", ($12 + $13) / hz }'; }
# Seconds the process's main thread spent runnable but waiting for a CPU.
rq_wait_s() { awk '{ printf "%.3f", $2 / 1e9 }' "/proc/$1/task/$1/schedstat"; }
peak_rss_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# --- helpers in python3: the paced generator, the tmux probe, the token -----
cat >"$tmp/gen.py" <<'EOF'
# gen.py RATE DURATION TAG: RATE*DURATION lines on stdout at RATE lines/s, in
# batches of whatever is due (every ~1 ms). Stderr: "start EPOCH" at once,
# then "lines seconds max_late end_epoch" at the end.
import sys, time
rate, duration, tag = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3].encode()
n = int(round(rate * duration))
out = sys.stdout.buffer
filler = b" the quick brown fox jumps over the lazy dog"
sent, max_late = 0, 0.0
t0 = time.monotonic()
print("start %.6f" % time.time(), file=sys.stderr, flush=True)
while sent < n:
    now = time.monotonic()
    due = min(n, int((now - t0) * rate) + 1)
    if due > sent:
        max_late = max(max_late, now - (t0 + sent / rate))
        out.write(b"".join(b"%s #%06d%s\n" % (tag, i, filler) for i in range(sent, due)))
        out.flush()  # blocks while the publisher is behind
        sent = due
    else:
        time.sleep(min(0.001, max(0.0, t0 + sent / rate - now)))
print("%d %.3f %.3f %.6f" % (n, time.monotonic() - t0, max_late, time.time()), file=sys.stderr)
EOF
cat >"$tmp/probe.py" <<'EOF'
# probe.py SOCK echo TARGET ROW TYPED CHARS START INTERVAL TIMEOUT
#   Types each of CHARS with send-keys at START + k*INTERVAL s (or at once when
#   late) and polls row ROW of TARGET until it starts with "> " + TYPED + the
#   letters typed so far. Prints one delay in ms per letter ("timeout" if none).
# probe.py SOCK wait TARGET TIMEOUT FROM TEXT...
#   From FROM on (seconds since the epoch; 0: at once), polls the whole pane
#   (wrapped lines joined) every 5 ms until each TEXT has been on it; prints the seconds that took and the wall-clock time then
#   (seconds since the epoch), or "timeout".
# Both talk to tmux through one control-mode client attached to the session
# "keeper": no process is started per poll.
import os, sys, time

from tmux_control import TmuxControl

sock, mode = sys.argv[1], sys.argv[2]
t = TmuxControl(sock, os.environ["PROBE_CLIENTS"])
if mode == "echo":
    target, row, typed, chars = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    start, interval, timeout = float(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
    t0 = time.monotonic()
    for k, c in enumerate(chars):
        wait = t0 + start + k * interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        want = ("> " + typed + chars[: k + 1]).encode()
        a = time.monotonic()
        t.cmd("send-keys -t %s -l %s" % (target, c))
        while True:
            line = b"".join(t.cmd("capture-pane -p -t %s -S %s -E %s" % (target, row, row))[0])
            b = time.monotonic()
            if line.startswith(want):
                print("%.1f" % ((b - a) * 1000), flush=True)
                break
            if b - a > timeout:
                print("timeout", flush=True)
                break
            time.sleep(0.001)
elif mode == "wait":
    target, timeout, texts = sys.argv[3], float(sys.argv[4]), [x.encode() for x in sys.argv[6:]]
    time.sleep(max(0.0, float(sys.argv[5]) - time.time()))  # started early: no start-up delay then
    a = time.monotonic()
    while True:
        screen = b"\n".join(t.cmd("capture-pane -p -J -t %s" % target)[0])
        texts = [x for x in texts if x not in screen]
        b = time.monotonic()
        if not texts:
            print("%.3f %.6f" % (b - a, time.time()))
            break
        if b - a > timeout:
            print("timeout")
            break
        time.sleep(0.005)
EOF
cat >"$tmp/token.py" <<'EOF'
# token.py SESSION_JSON ROOM CONFIG_FILE CLIENT_SUFFIX: gets an MQTT token for
# ROOM with the stored session and writes mosquitto_sub's default-options file
# (mode 0600), so the token never appears on a command line.
import json, os, sys, urllib.request
session = json.load(open(sys.argv[1]))
req = urllib.request.Request(session["server"] + "/api/mqtt-token",
                             data=json.dumps({"rooms": [sys.argv[2]]}).encode(),
                             headers={"Authorization": "Bearer " + session["session"],
                                      "Content-Type": "application/json"})
answer = json.load(urllib.request.urlopen(req, timeout=10))
broker = next(b["url"] for b in answer["brokers"] if b["url"].startswith("mqtt://"))
host, port = broker[len("mqtt://"):].split("/")[0].rsplit(":", 1)
fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write("-h %s\n-p %s\n-u %s\n-P %s\n-i %s%s\n" % (host, port, answer["username"],
            answer["accessToken"], answer["clientIdPrefix"], sys.argv[4]))
EOF

# --- the stack, as scripts/run starts it ------------------------------------
read -r http_port mqtt_port ws_port < <(free_ports 3)
server=http://127.0.0.1:$http_port
data=$tmp/data
printf 'viewer-password\n' | "$BIN/mqchatd" user add viewer@bench.test --name Viewer --password-stdin --data "$data" >/dev/null
printf 'flooder-password\n' | "$BIN/mqchatd" user add flooder@bench.test --name Flooder --password-stdin --data "$data" >/dev/null
# The flood is far over an account's default publish rate (100/s, burst
# 2000): lifted, since this measures the clients, not the limit.
"$BIN/mqchatd" serve --data "$data" --http "127.0.0.1:$http_port" --mqtt "127.0.0.1:$mqtt_port" \
    --user-rate 1000000 --user-burst 1000000 --ws "127.0.0.1:$ws_port" >"$tmp/mqchatd.out" 2>"$tmp/mqchatd.log" &
mqchatd_pid=$!
for _ in $(seq 300); do
    grep -qx ready "$tmp/mqchatd.out" 2>/dev/null && break
    kill -0 "$mqchatd_pid" 2>/dev/null || { log "mqchatd did not start:"; cat "$tmp/mqchatd.log" >&2; exit 1; }
    sleep 0.1
done
grep -qx ready "$tmp/mqchatd.out" || { log "mqchatd not ready:"; cat "$tmp/mqchatd.log" >&2; exit 1; }
broker_pid=$(grep -om1 'broker started (pid [0-9]*' "$tmp/mqchatd.log" | grep -o '[0-9]*$' || true)
[[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null || { log "cannot find the broker's pid in $tmp/mqchatd.log"; exit 1; }

VIEWER_ENV=(XDG_STATE_HOME="$tmp/viewer-state" XDG_CONFIG_HOME="$tmp/viewer-config")
FLOODER_ENV=(XDG_STATE_HOME="$tmp/flooder-state" XDG_CONFIG_HOME="$tmp/flooder-config")
printf 'viewer-password\n' | env "${VIEWER_ENV[@]}" "$BIN/mqchat" login --server "$server" --email viewer@bench.test --password-stdin -q
printf 'flooder-password\n' | env "${FLOODER_ENV[@]}" "$BIN/mqchat" login --server "$server" --email flooder@bench.test --password-stdin -q
as_flooder() { env "${FLOODER_ENV[@]}" "$BIN/mqchat" "$@"; }
log "stack: mqchatd on $server, broker mqtt://127.0.0.1:$mqtt_port (pid ${broker_pid:-?}), accounts viewer + flooder"

# --- tmux: a private server; "keeper" holds it up and hosts the probe's client
"${TMUX_CMD[@]}" -f /dev/null new-session -d -s keeper -x "$COLS" -y "$ROWS" 'exec sleep 1000000'
# remain-on-exit: a client that dies leaves its pane (and its last output) behind.
"${TMUX_CMD[@]}" set -g status off \; set -g history-limit 2000 \; set -g remain-on-exit on
tmux_pid=$("${TMUX_CMD[@]}" display -p '#{pid}')
tmux_socket=$("${TMUX_CMD[@]}" display -p '#{socket_path}')
tmux_version=$(tmux -V)

probe() { PROBE_CLIENTS=$tmp/probe-clients PYTHONPATH=$here "$PY" "$tmp/probe.py" "$SOCK" "$@"; }

# Opens session $1 running "$@" (after $1) with stderr to $tmp/$1.err, logs its
# terminal output to $tmp/$1.tty; sets pane_pid.
open_pane() {
    local name=$1; shift
    local cmd
    cmd="exec env $(printf '%q ' "$@") 2>$(printf '%q' "$tmp/$name.err")"
    "${TMUX_CMD[@]}" new-session -d -s "$name" -x "$COLS" -y "$ROWS" "$cmd"
    "${TMUX_CMD[@]}" pipe-pane -t "$name" -o "cat >>$(printf '%q' "$tmp/$name.tty")"
    pane_pid=$("${TMUX_CMD[@]}" display -p -t "$name" '#{pane_pid}')
}

# Reports a client that did not come up: its stderr and its screen.
pane_failed() {
    log "$1: $2; pane dead: $("${TMUX_CMD[@]}" display -p -t "$1" '#{pane_dead} (status #{pane_dead_status})' 2>&1)"
    log "--- $1 stderr:"; cat "$tmp/$1.err" >&2 || true
    log "--- $1 screen:"; "${TMUX_CMD[@]}" capture-pane -p -t "$1" 2>&1 | grep -v '^ *$' >&2 || true
}

# Publishes warm-up messages into room $1 until one is on pane $2: proves the
# client is subscribed. Sets warmups (how many were sent).
warm_up() {
    local room=$1 pane=$2 got
    warmups=0
    while ((warmups < 10)); do
        warmups=$((warmups + 1))
        as_flooder "$room" -q --send "warm-up $warmups for $pane"
        got=$(probe wait "$pane" 2 0 "warm-up $warmups for $pane")
        [[ $got != timeout ]] && return 0
    done
    pane_failed "$pane" "no warm-up message arrived"; return 1
}

# Starts the flood into room $1 with tag $2: PUBLISHERS pipelines in the
# background; returns once every generator has started. Sets flood_t0 (the
# first generator's start), pub_pids, last_texts.
start_flood() {
    local room=$1 tag=$2 k each t
    each=$(awk -v r="$RATE" -v p="$PUBLISHERS" 'BEGIN { print r / p }')
    pub_pids=() last_texts=()
    for ((k = 0; k < PUBLISHERS; k++)); do
        (
            rc=0
            "$PY" "$tmp/gen.py" "$each" "$DURATION" "$tag p$k" 2>"$tmp/$tag-gen$k.txt" |
                { TIMEFORMAT='%R %U %S'; time as_flooder "$room" -q --send - 2>"$tmp/$tag-pub$k.err"; } 2>"$tmp/$tag-pub$k.time" || rc=$?
            echo "$EPOCHREALTIME" >"$tmp/$tag-pub$k.exit"  # waiters may come late: the exit time is kept
            exit "$rc"
        ) &
        pub_pids+=($!)
        last_texts+=("$tag p$k #$(printf '%06d' $(($(awk -v r="$each" -v d="$DURATION" 'BEGIN { printf "%d", r * d + 0.5 }') - 1)))")
    done
    flood_t0=
    for ((k = 0; k < PUBLISHERS; k++)); do
        until t=$(awk '$1 == "start" { print $2 }' "$tmp/$tag-gen$k.txt" 2>/dev/null) && [[ -n $t ]]; do sleep 0.01; done
        flood_t0=$(awk -v a="${flood_t0:-$t}" -v b="$t" 'BEGIN { printf "%.6f", (b < a) ? b : a }')
    done
}

# In the background, from the flood's planned end on: waits until the last
# message of every publisher has been on pane $1 (see catchup_of).
start_watch() {
    local from
    from=$(awk -v t0="$flood_t0" -v d="$DURATION" 'BEGIN { printf "%.6f", t0 + d - 0.2 }')
    probe wait "$1" "$CATCHUP_TIMEOUT" "$from" "${last_texts[@]}" >"$tmp/$1.seen" &
    watch_pid=$!
}
# After finish_flood: the time from the moment the generators wrote their last
# line until the last message was on screen, or "timeout".
catchup_of() {
    local seen
    wait "$watch_pid" || true
    read -r _ seen <"$tmp/$1.seen" || true
    if [[ -z $seen ]]; then echo timeout; else elapsed "$gen_end" "$seen"; fi
}

# Waits for the publishers; sets pub_wall (flood start -> last exit), pub_n,
# pub_cpu (their total user+sys), gen_late (worst generator lateness, s),
# pub_tail (last generator end -> last publisher exit: the publisher's backlog),
# gen_end (when the last line was written).
finish_flood() {
    local tag=$1 k rc=0 n late pid end t_exit=0
    gen_end=0
    for pid in "${pub_pids[@]}"; do wait "$pid" || rc=$?; done
    for ((k = 0; k < PUBLISHERS; k++)); do
        t_exit=$(awk -v a="$t_exit" -v b="$(cat "$tmp/$tag-pub$k.exit")" 'BEGIN { printf "%.6f", (b > a) ? b : a }')
    done
    pub_wall=$(elapsed "$flood_t0" "$t_exit")
    ((rc == 0)) || log "$tag: a publisher failed ($rc): $(cat "$tmp/$tag"-pub*.err)"
    pub_n=0 pub_cpu=0 gen_late=0
    for ((k = 0; k < PUBLISHERS; k++)); do
        read -r n _ late end < <(grep -v '^start' "$tmp/$tag-gen$k.txt")
        pub_n=$((pub_n + n))
        gen_late=$(awk -v a="$gen_late" -v b="$late" 'BEGIN { print (b > a) ? b : a }')
        gen_end=$(awk -v a="$gen_end" -v b="$end" 'BEGIN { printf "%.6f", (b > a) ? b : a }')
        pub_cpu=$(awk -v a="$pub_cpu" -v f="$(tail -n1 "$tmp/$tag-pub$k.time")" 'BEGIN { split(f, t, " "); printf "%.2f", a + t[2] + t[3] }')
    done
    pub_rate=$(awk -v n="$pub_n" -v t="$pub_wall" 'BEGIN { printf "%.0f", n / t }')
    pub_tail=$(elapsed "$gen_end" "$t_exit")
}

# Messages of tag $2 in the terminal output of pane $1 (distinct, by number).
count_in_tty() { { grep -aoE "$2 p[0-9]+ #[0-9]{6}" "$tmp/$1.tty" || true; } | sort -u | wc -l; }
tty_mib() { awk -v b="$(stat -c %s "$tmp/$1.tty" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# Alive and not a zombie. A process being reaped can still have its /proc
# entry while reading it fails: that is not running either.
running() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [[ -n $state && $state != Z ]]
}

# Stops the client of pane $1 (pid $2) with keys $3 (or by closing the pane)
# and waits for it.
stop_pane() {
    local name=$1 pid=$2 keys=${3:-}
    if [[ -n $keys ]]; then "${TMUX_CMD[@]}" send-keys -t "$name" "$keys"; else "${TMUX_CMD[@]}" kill-session -t "$name"; fi
    # remain-on-exit: tmux leaves the exited client a zombie until the pane goes.
    for _ in $(seq 100); do running "$pid" || break; sleep 0.05; done
    if running "$pid"; then
        log "$name: still running 5 s after ${keys:-closing its pane}; its screen:"
        "${TMUX_CMD[@]}" capture-pane -p -t "$name" 2>&1 | grep -v '^ *$' >&2 || true
        log "$name: $(grep -E '^(State|voluntary_ctxt_switches)' "/proc/$pid/status" | tr '\n\t' '  '); killed"
        kill "$pid" 2>/dev/null || true
    fi
    "${TMUX_CMD[@]}" kill-session -t "$name" 2>/dev/null || true
}

# One reference phase: client in pane $1 (tag), command after.
declare -A R  # R[phase,field,rep]
reference_phase() {
    local rep=$1 phase=$2; shift 2
    local tag=r$rep-$phase room=flood-r$rep-$phase pid c0 t0 m0 b0 w0 c1 t1 m1 b1 w1 catchup
    [[ $phase == sub ]] && "$PY" "$tmp/token.py" "$tmp/viewer-state/mqchat/session.json" "$room" "$tmp/sub-config/mosquitto_sub" "bench$rep"
    open_pane "$tag" "$@" 
    pid=$pane_pid
    warm_up "$room" "$tag"
    c0=$(cpu_s "$pid") t0=$(cpu_s "$tmux_pid") m0=$(cpu_s "$mqchatd_pid") b0=$(cpu_s "$broker_pid") w0=$(rq_wait_s "$pid")
    start_flood "$room" "$tag"
    start_watch "$tag"
    finish_flood "$tag"
    catchup=$(catchup_of "$tag")
    c1=$(cpu_s "$pid") t1=$(cpu_s "$tmux_pid") m1=$(cpu_s "$mqchatd_pid") b1=$(cpu_s "$broker_pid") w1=$(rq_wait_s "$pid")
    R[$phase,rss,$rep]=$(peak_rss_mib "$pid")
    R[$phase,rqwait,$rep]=$(elapsed "$w0" "$w1")
    stop_pane "$tag" "$pid"
    R[$phase,cpu,$rep]=$(elapsed "$c0" "$c1")
    R[$phase,tmux,$rep]=$(elapsed "$t0" "$t1")
    R[$phase,server,$rep]=$(awk -v a="$m0" -v b="$m1" -v c="$b0" -v d="$b1" 'BEGIN { printf "%.2f", b - a + d - c }')
    R[$phase,got,$rep]=$(count_in_tty "$tag" "$tag")
    R[$phase,catchup,$rep]=$catchup
    R[$phase,tty,$rep]=$(tty_mib "$tag")
    R[$phase,rate,$rep]=$pub_rate R[$phase,sent,$rep]=$pub_n R[$phase,late,$rep]=$gen_late R[$phase,pubtail,$rep]=$pub_tail R[$phase,pubcpu,$rep]=$pub_cpu
    log "$tag: $pub_n sent at $pub_rate/s (generator late <= ${gen_late}s; publisher done ${pub_tail}s after it, cpu ${pub_cpu}s); got ${R[$phase,got,$rep]}," \
        "last message on screen ${catchup}s after its line was written; cpu ${R[$phase,cpu,$rep]}s, peak RSS ${R[$phase,rss,$rep]} MiB," \
        "tmux cpu ${R[$phase,tmux,$rep]}s, mqchatd+broker cpu ${R[$phase,server,$rep]}s, tty ${R[$phase,tty,$rep]} MiB," \
        "main thread waited ${R[$phase,rqwait,$rep]}s for a CPU"
}

letters=abcdefghijklmnopqrstuvwxyz
# The input line must show all the letters typed so far, so they need not be
# unique: idle a.., then flood elsewhere A.. (session 1); flood a.. (session 2).
idle_chars=${letters:0:ECHO_SAMPLES}
other_chars=${letters^^}
other_chars=${other_chars:0:ECHO_SAMPLES}
flood_chars=$idle_chars
echo_interval=$(awk -v d="$DURATION" -v n="$ECHO_SAMPLES" 'BEGIN { print d / n }')
echo_start=$(awk -v i="$echo_interval" 'BEGIN { print i / 2 }')
all_idle=() all_other=() all_flood=()
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$tmp/sub-config"

# Opens the TUI as the viewer in room $2, in pane $1; waits until it is
# connected and a warm-up message is on screen. Sets pid, warmups.
open_tui() {
    open_pane "$1" "${VIEWER_ENV[@]}" "$BIN/mqchat" "$2" -v
    pid=$pane_pid
    [[ $(probe wait "$1" 15 0 "● connected") != timeout ]] || { pane_failed "$1" "the TUI did not connect"; exit 1; }
    warm_up "$2" "$1"
}

for rep in $(seq "$REPS"); do
    # --- the TUI, session 1: echo delays without a flood for it ---
    tag=r$rep-tuiecho
    open_tui "$tag" "flood-r$rep-echo"
    # 1. nothing else going on
    mapfile -t idle < <(probe echo "$tag" $((ROWS - 1)) "" "$idle_chars" 0.1 "$IDLE_INTERVAL" "$ECHO_TIMEOUT")
    # 2. the same flood into another room: the machine is as busy (publisher,
    #    broker, archiver), but the TUI gets no messages
    w0=$(rq_wait_s "$pid")
    start_flood "flood-r$rep-elsewhere" "r$rep-elsewhere"
    mapfile -t other < <(probe echo "$tag" $((ROWS - 1)) "$idle_chars" "$other_chars" "$echo_start" "$echo_interval" "$ECHO_TIMEOUT")
    finish_flood "r$rep-elsewhere"
    R[other,rqwait,$rep]=$(elapsed "$w0" "$(rq_wait_s "$pid")")
    R[other,rate,$rep]=$pub_rate
    stop_pane "$tag" "$pid" C-c
    log "$tag: echo ms idle: ${idle[*]}"
    log "$tag: echo ms flood elsewhere ($pub_n sent at $pub_rate/s; TUI main thread waited ${R[other,rqwait,$rep]}s for a CPU): ${other[*]}"
    sleep 1  # the archiver's backlog

    # --- the TUI, session 2: the flood into its room ---
    tag=r$rep-tui room=flood-r$rep-tui
    session_t0=$(now)
    open_tui "$tag" "$room"
    c0=$(cpu_s "$pid") t0=$(cpu_s "$tmux_pid") m0=$(cpu_s "$mqchatd_pid") b0=$(cpu_s "$broker_pid") w0=$(rq_wait_s "$pid")
    start_flood "$room" "$tag"
    start_watch "$tag"
    # 3. echo during the flood into the TUI's room
    mapfile -t busy < <(probe echo "$tag" $((ROWS - 1)) "" "$flood_chars" "$echo_start" "$echo_interval" "$ECHO_TIMEOUT")
    finish_flood "$tag"
    catchup=$(catchup_of "$tag")
    c1=$(cpu_s "$pid") t1=$(cpu_s "$tmux_pid") m1=$(cpu_s "$mqchatd_pid") b1=$(cpu_s "$broker_pid") w1=$(rq_wait_s "$pid")
    R[tui,rss,$rep]=$(peak_rss_mib "$pid")
    R[tui,rqwait,$rep]=$(elapsed "$w0" "$w1")
    R[tui,window,$rep]=$(elapsed "$flood_t0" "$(now)")
    stop_pane "$tag" "$pid" C-c
    R[tui,session,$rep]=$(elapsed "$session_t0" "$(now)")
    R[tui,cpu,$rep]=$(elapsed "$c0" "$c1")
    R[tui,tmux,$rep]=$(elapsed "$t0" "$t1")
    R[tui,server,$rep]=$(awk -v a="$m0" -v b="$m1" -v c="$b0" -v d="$b1" 'BEGIN { printf "%.2f", b - a + d - c }')
    line=$(grep -m1 'frames drawn for' "$tmp/$tag.err" || true)
    [[ -n $line ]] || { log "$tag: no -v line; stderr:"; cat "$tmp/$tag.err" >&2; }
    R[tui,frames,$rep]=$(awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "frames") print $i }' <<<"$line")
    live=$(awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "live") print $i }' <<<"$line")
    R[tui,got,$rep]=$((live - warmups))  # the warm-up messages count as live too
    R[tui,catchup,$rep]=$catchup
    R[tui,tty,$rep]=$(tty_mib "$tag")
    R[tui,rate,$rep]=$pub_rate R[tui,sent,$rep]=$pub_n R[tui,late,$rep]=$gen_late R[tui,pubtail,$rep]=$pub_tail R[tui,pubcpu,$rep]=$pub_cpu
    all_idle+=("${idle[@]}") all_other+=("${other[@]}") all_flood+=("${busy[@]}")
    log "$tag: $pub_n sent at $pub_rate/s (generator late <= ${gen_late}s; publisher done ${pub_tail}s after it, cpu ${pub_cpu}s); -v: '$line' ($warmups warm-up);" \
        "last message on screen ${catchup}s after its line was written; cpu ${R[tui,cpu,$rep]}s, peak RSS ${R[tui,rss,$rep]} MiB," \
        "tmux cpu ${R[tui,tmux,$rep]}s, mqchatd+broker cpu ${R[tui,server,$rep]}s, tty ${R[tui,tty,$rep]} MiB," \
        "main thread waited ${R[tui,rqwait,$rep]}s for a CPU"
    log "$tag: echo ms flood: ${busy[*]}"
    grep -v 'frames drawn for' "$tmp/$tag.err" >&2 || true
    grep -v 'frames drawn for' "$tmp/r$rep-tuiecho.err" >&2 || true

    # --- the references ---
    reference_phase "$rep" sub XDG_CONFIG_HOME="$tmp/sub-config" mosquitto_sub -q 1 -t "chat/flood-r$rep-sub/messages"
    reference_phase "$rep" tail "${VIEWER_ENV[@]}" "$BIN/mqchat" "flood-r$rep-tail" --tail -n 0
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- summary ------------------------------------------------------------------
col() { local phase=$1 field=$2 rep v=(); for rep in $(seq "$REPS"); do v+=("${R[$phase,$field,$rep]:-}"); done; echo "${v[*]}"; }
med() { # shellcheck disable=SC2046
    median $(col "$1" "$2" | tr ' ' '\n' | grep -v timeout); }
stats() { # min median max of the numbers among $@, and how many timed out
    local nums=() to=0 x
    for x in "$@"; do if [[ $x == timeout ]]; then to=$((to + 1)); else nums+=("$x"); fi; done
    printf '%s\n' "${nums[@]}" | sort -g | awk -v to="$to" '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR]; if (to) printf "  (%d timed out after '"$ECHO_TIMEOUT"' s)", to }'
}
n_msgs=$(med tui sent)
echo
echo "mqchat TUI flood: $RATE msg/s for $DURATION s into one room, $PUBLISHERS publisher(s) \`mqchat --send -\`; ${COLS}x$ROWS tmux panes; medians of $REPS"
printf '%-22s %9s %7s %9s %9s %13s %10s %9s %8s\n' client "sent/s" "cpu s" "µs/msg" "RSS MiB" delivered "last s" "tty MiB" "tmux s"
for phase in tui sub tail; do
    case $phase in tui) name="mqchat (TUI)" ;; sub) name="mosquitto_sub -q 1" ;; tail) name="mqchat --tail" ;; esac
    cpu=$(med "$phase" cpu)
    printf '%-22s %9s %7s %9s %9s %13s %10s %9s %8s\n' "$name" "$(med "$phase" rate)" "$cpu" \
        "$(awk -v c="$cpu" -v n="$n_msgs" 'BEGIN { printf "%.0f", c / n * 1e6 }')" "$(med "$phase" rss)" \
        "$(med "$phase" got)/$n_msgs" "$(med "$phase" catchup)" "$(med "$phase" tty)" "$(med "$phase" tmux)"
done
printf '%-22s %9s %7s\n' "ratio TUI/mosquitto_sub" "" "$(ratio "$(med tui cpu)" "$(med sub cpu)")"
printf '%-22s %9s %7s\n' "ratio TUI/--tail" "" "$(ratio "$(med tui cpu)" "$(med tail cpu)")"
echo "TUI frames drawn: $(med tui frames) (per run: $(col tui frames)) in a session of $(col tui session) s, $(col tui window) s of them from flood start to last message on screen"
echo "keystroke echo ms, min / median / max of ${#all_idle[@]} samples each:"
echo "  idle                                $(stats "${all_idle[@]}")"
echo "  flood into another room             $(stats "${all_other[@]}")   (TUI main thread runnable-but-waiting: $(col other rqwait) s)"
echo "  flood into the TUI's room           $(stats "${all_flood[@]}")   (TUI main thread runnable-but-waiting: $(col tui rqwait) s)"
echo
echo "per run: sent/s tui $(col tui rate) | sub $(col sub rate) | tail $(col tail rate); generator late s: $(col tui late) | $(col sub late) | $(col tail late)"
echo "per run: publisher done s after its input ended: tui $(col tui pubtail) | sub $(col sub pubtail) | tail $(col tail pubtail)"
echo "per run: cpu s tui $(col tui cpu) | sub $(col sub cpu) | tail $(col tail cpu); publisher cpu s: $(col tui pubcpu) | $(col sub pubcpu) | $(col tail pubcpu)"
echo "per run: delivered tui $(col tui got) | sub $(col sub got) | tail $(col tail got); last s: $(col tui catchup) | $(col sub catchup) | $(col tail catchup)"
echo "per run: mqchatd+broker cpu s tui $(col tui server) | sub $(col sub server) | tail $(col tail server)"
echo "per run: client main thread waiting for a CPU s: tui $(col tui rqwait) | sub $(col sub rqwait) | tail $(col tail rqwait)"
echo "(cpu s: the client's user+sys from flood start until its last message is on screen; last s: from the"
echo " moment the generator wrote the last line until that message was on screen; delivered: TUI = its -v live count minus the warm-up messages,"
echo " others = distinct flood messages in their terminal output; tty MiB: bytes the client wrote to its pane)"
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); kernel $(uname -r); Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
echo "         $tmux_version; $(mosquitto_sub --help 2>/dev/null | grep -m1 -o 'mosquitto_sub version [0-9.]*' || true); load $load_start at start, $load_end at end; $(date -u '+%Y-%m-%d %H:%M UTC')"
