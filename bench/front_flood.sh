#!/usr/bin/env bash
# bench/front_flood.sh - what mqchatd's front (the public MQTT listener that
# forwards every client to the broker's unix socket) costs under a flood.
#
# A whole stack (mqchatd serve, its Mosquitto and plugin) on free loopback
# ports. Per run and mode:
#   front:  SUBS mosquitto_sub (QoS 1) connected to the front (--mqtt), and
#           RATE messages/s for DURATION s from `mqchat ROOM --send -`.
#   direct: the same, but the subscribers connect to <data>/broker.sock
#           themselves (mosquitto_sub --unix); only the publisher and the
#           archiver pass the front.
# Reported per mode: the CPU seconds (user+sys, from /proc) of the front's
# thread (mqchatd-front), of the whole mqchatd, and of mosquitto, from flood
# start until every subscriber had every message; the time that took.
# Then the round trip of a QoS 0 publish to a subscription of the same
# client (ROUNDS times, python3, MQTT 3.1.1): through the front vs on the
# unix socket directly, median and 99th percentile.
#
# Usage: bench/front_flood.sh [BIN_DIR]   (default build/default/bin)
#   env: RATE=5000 DURATION=10 SUBS=4 ROUNDS=2000 MODES="front direct"
#        KEEP=1 (keep the temp dir)
# Between modes it waits until the archiver has stored the whole flood.
# Needs: bash 5, mosquitto_sub, python3, awk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
BIN=$(cd "${1:-$here/../build/default/bin}" && pwd)
RATE=${RATE:-5000}
DURATION=${DURATION:-10}
SUBS=${SUBS:-4}
ROUNDS=${ROUNDS:-2000}
N=$((RATE * DURATION))
PY=$(python3 -c 'import sys; print(sys.executable)')
CLK_TCK=$(getconf CLK_TCK)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqchat-frontflood.XXXXXX")
mqchatd_pid=
cleanup() {
    local pid
    for pid in $(jobs -p); do
        [[ $pid != "$mqchatd_pid" ]] && kill "$pid" 2>/dev/null || true
    done
    if [[ -n $mqchatd_pid ]]; then
        kill "$mqchatd_pid" 2>/dev/null || true
        wait "$mqchatd_pid" 2>/dev/null || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "front_flood.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '%s\n' "$*" >&2; }

# CPU ticks of a process or thread (fields 14 and 15 of stat; field 2 may hold spaces).
ticks() { sed 's/^.*) //' "$1" | awk '{ print $12 + $13 }'; }
seconds() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'; }

cat >"$tmp/gen.py" <<'EOF'
# gen.py RATE N: N lines on stdout at RATE lines/s, in batches of what is due.
import sys, time
rate, n = float(sys.argv[1]), int(sys.argv[2])
out, sent, t0 = sys.stdout.buffer, 0, time.monotonic()
while sent < n:
    due = min(n, int((time.monotonic() - t0) * rate) + 1)
    if due > sent:
        out.write(b"".join(b"flood #%06d the quick brown fox jumps over the lazy dog\n" % i
                           for i in range(sent, due)))
        out.flush()
        sent = due
    else:
        time.sleep(0.001)
EOF
cat >"$tmp/token.py" <<'EOF'
# token.py SERVER EMAIL PASSWORD ROOMS OUT: logs in, gets a token for ROOMS
# (comma-separated) and writes "username\ntoken\nclientIdPrefix\n" to OUT (0600).
import json, os, sys, urllib.request
def post(path, body, session=None):
    headers = {"Content-Type": "application/json"}
    if session: headers["Authorization"] = "Bearer " + session
    req = urllib.request.Request(sys.argv[1] + path, json.dumps(body).encode(), headers)
    return json.load(urllib.request.urlopen(req, timeout=30))
session = post("/api/login", {"email": sys.argv[2], "password": sys.argv[3]})["session"]
t = post("/api/mqtt-token", {"rooms": sys.argv[4].split(",")}, session)
fd = os.open(sys.argv[5], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write("%s\n%s\n%s\n" % (t["username"], t["accessToken"], t["clientIdPrefix"]))
EOF
cat >"$tmp/caught_up.py" <<'EOF'
# caught_up.py SERVER EMAIL PASSWORD ROOM TEXT: waits (up to 10 min) until
# the newest archived message of ROOM has TEXT: the archiver has caught up.
import json, sys, time, urllib.request
def call(path, body=None, session=None):
    headers = {"Content-Type": "application/json"}
    if session: headers["Authorization"] = "Bearer " + session
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(sys.argv[1] + path, data, headers)
    return json.load(urllib.request.urlopen(req, timeout=30))
session = call("/api/login", {"email": sys.argv[2], "password": sys.argv[3]})["session"]
until = time.time() + 600
while time.time() < until:
    last = call("/api/rooms/%s/messages?limit=1" % sys.argv[4], session=session)
    if last and last[-1]["text"] == sys.argv[5]: sys.exit(0)
    time.sleep(0.5)
sys.exit("the archiver did not catch up")
EOF
cat >"$tmp/rtt.py" <<'EOF'
# rtt.py CREDENTIALS ROUNDS (HOST PORT | unix PATH): a minimal MQTT 3.1.1
# client subscribes to chat/lat/messages, then publishes ROUNDS QoS 0
# messages there one at a time, each after the previous came back; prints
# the median and 99th percentile round trip in ms.
import json, socket, struct, sys, time
user, token, prefix = open(sys.argv[1]).read().split("\n")[:3]
rounds = int(sys.argv[2])
if sys.argv[3] == "unix":
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[4])
else:
    s = socket.create_connection((sys.argv[3], int(sys.argv[4])))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def string(b): return struct.pack("!H", len(b)) + b
def varint(n):
    out = b""
    while True:
        d, n = n & 0x7F, n >> 7
        out += bytes([d | (0x80 if n else 0)])
        if not n: return out
def packet(kind, body): return bytes([kind]) + varint(len(body)) + body
buf = b""
def read_packet():
    global buf
    while True:
        if len(buf) >= 2:
            n, mul, i = 0, 1, 1
            while buf[i] & 0x80:
                n += (buf[i] & 0x7F) * mul; mul *= 128; i += 1
            n += (buf[i] & 0x7F) * mul
            if len(buf) >= i + 1 + n:
                p, buf = buf[: i + 1 + n], buf[i + 1 + n:]
                return p[0], p[i + 1:]
        chunk = s.recv(65536)
        if not chunk: raise SystemExit("connection closed")
        buf += chunk
s.sendall(packet(0x10, string(b"MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 60) +
                 string((prefix + "rtt").encode()) + string(user.encode()) + string(token.encode())))
kind, body = read_packet()
if kind != 0x20 or body[1] != 0: raise SystemExit("CONNACK %r" % body)
topic = b"chat/lat/messages"
s.sendall(packet(0x82, struct.pack("!H", 1) + string(topic) + b"\x00"))
read_packet()  # SUBACK
times = []
for i in range(rounds):
    payload = json.dumps({"id": "rtt-%d-%d" % (time.time_ns(), i), "user": user, "text": "x",
                          "timestamp": int(time.time() * 1000)}).encode()
    a = time.perf_counter()
    s.sendall(packet(0x30, string(topic) + payload))
    while True:
        kind, body = read_packet()
        if kind & 0xF0 == 0x30 and body.endswith(payload): break
    times.append((time.perf_counter() - a) * 1000)
times.sort()
print("%.3f %.3f" % (times[len(times) // 2], times[int(len(times) * 0.99)]))
EOF

read -r http_port mqtt_port ws_port < <(free_ports 3)
server=http://127.0.0.1:$http_port
data=$tmp/data
for who in viewer flooder; do
    printf '%s-password\n' "$who" |
        "$BIN/mqchatd" user add "$who@bench.test" --password-stdin --data "$data" >/dev/null
done
# The flood is far over an account's default publish rate (100/s, burst
# 2000): lifted, since this measures the clients, not the limit.
"$BIN/mqchatd" serve --data "$data" --http "127.0.0.1:$http_port" --mqtt "127.0.0.1:$mqtt_port" \
    --user-rate 1000000 --user-burst 1000000 --ws "127.0.0.1:$ws_port" >"$tmp/mqchatd.out" 2>"$tmp/mqchatd.log" &
mqchatd_pid=$!
for _ in $(seq 300); do
    grep -qx ready "$tmp/mqchatd.out" 2>/dev/null && break
    sleep 0.1
done
grep -qx ready "$tmp/mqchatd.out" || { log "mqchatd not ready:"; cat "$tmp/mqchatd.log" >&2; exit 1; }
broker_pid=$(grep -om1 'broker started (pid [0-9]*' "$tmp/mqchatd.log" | grep -o '[0-9]*$')
front_stat=$(grep -l '^mqchatd-front$' /proc/"$mqchatd_pid"/task/*/comm | sed 's/comm$/stat/')
socket_path=$data/broker.sock

"$PY" "$tmp/token.py" "$server" viewer@bench.test viewer-password bench-front,bench-direct,lat \
    "$tmp/viewer.cred"
{ read -r v_user; read -r v_token; read -r v_prefix; } <"$tmp/viewer.cred"
FLOODER_ENV=(XDG_STATE_HOME="$tmp/flooder-state" XDG_CONFIG_HOME="$tmp/flooder-config")
printf 'flooder-password\n' | env "${FLOODER_ENV[@]}" "$BIN/mqchat" login --server "$server" \
    --email flooder@bench.test --password-stdin -q

# Subscriber k's options (the token stays off command lines): mosquitto_sub
# reads $XDG_CONFIG_HOME/mosquitto_sub.
sub_config() {  # DIR MODE K
    mkdir -p "$1"
    local where="-h 127.0.0.1
-p $mqtt_port"
    [[ $2 == direct ]] && where="--unix $socket_path"
    (umask 077; printf '%s\n-u %s\n-P %s\n-i %s\n' "$where" "$v_user" "$v_token" "${v_prefix}sub$3" >"$1/mosquitto_sub")
}

printf 'mode\tmsgs\tsubs\tseconds\tfront_cpu_s\tmqchatd_cpu_s\tmosquitto_cpu_s\n'
for mode in ${MODES:-front direct}; do
    room=bench-$mode
    subs=()
    for k in $(seq "$SUBS"); do
        sub_config "$tmp/sub$k" "$mode" "$k"
        XDG_CONFIG_HOME=$tmp/sub$k stdbuf -oL mosquitto_sub -V 5 -q 1 -t "chat/$room/messages" \
            -C "$N" >"$tmp/$mode-sub$k.out" 2>"$tmp/$mode-sub$k.err" &
        subs+=($!)
    done
    sleep 2  # subscribed (a SUBACK takes milliseconds; this is ample)
    f0=$(ticks "$front_stat"); d0=$(ticks "/proc/$mqchatd_pid/stat"); b0=$(ticks "/proc/$broker_pid/stat")
    t0=$EPOCHREALTIME
    "$PY" "$tmp/gen.py" "$RATE" "$N" | env "${FLOODER_ENV[@]}" "$BIN/mqchat" "$room" -q --send - &
    pub=$!
    for pid in "${subs[@]}"; do wait "$pid" || log "$mode: a subscriber failed: $(cat "$tmp/$mode-sub"*.err)"; done
    t1=$EPOCHREALTIME
    f1=$(ticks "$front_stat"); d1=$(ticks "/proc/$mqchatd_pid/stat"); b1=$(ticks "/proc/$broker_pid/stat")
    wait "$pub" || log "$mode: the publisher failed"
    got=$(cat "$tmp/$mode-sub"*.out | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$got" "$SUBS" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
        "$(seconds $((f1 - f0)))" "$(seconds $((d1 - d0)))" "$(seconds $((b1 - b0)))"
    # The archiver (through the front too) must not carry one mode's backlog into the next.
    "$PY" "$tmp/caught_up.py" "$server" viewer@bench.test viewer-password "$room" \
        "flood #$(printf '%06d' $((N - 1))) the quick brown fox jumps over the lazy dog"
done

printf '\nround trip of a QoS 0 publish (ms)\tmedian\tp99\n'
printf 'through the front\t%s\n' "$("$PY" "$tmp/rtt.py" "$tmp/viewer.cred" "$ROUNDS" 127.0.0.1 "$mqtt_port" | tr ' ' '\t')"
printf 'unix socket directly\t%s\n' "$("$PY" "$tmp/rtt.py" "$tmp/viewer.cred" "$ROUNDS" unix "$socket_path" | tr ' ' '\t')"
