#!/usr/bin/env bash
# bench/e2e.sh - end-to-end QoS 1 throughput of mqchat against the Mosquitto
# command-line tools, on one private Mosquitto broker on loopback.
#
# What it measures (N messages, default 100,000; each figure is the median of
# REPS runs, default 3):
#   1. tail:  a subscriber receiving an N-message QoS 1 stream.
#             mosquitto_sub -q 1 -C N  vs  mqchat --tail -C N --json.
#             Both are fed by the same publisher, `mqchat --send -`, which
#             delivers every message (mosquitto_pub -l does not, see 2).
#             Reported: messages/s from publish start to subscriber exit, the
#             subscriber's own CPU time (user+sys), and the count received.
#   2. send:  a publisher sending N lines of stdin as N QoS 1 messages, with a
#             separate counting subscriber (mosquitto_sub) on the topic.
#             mosquitto_pub -q 1 -l  vs  mqchat --send -.
#             Reported: publisher wall time, messages that actually arrived,
#             delivered/s (arrived / publisher wall time) and nominal/s
#             (N / publisher wall time). A third row runs mosquitto_pub -l with
#             stdin held open until everything has arrived, timed to the last
#             delivery: what mosquitto_pub sustains when it drops nothing.
#   3. a summary table and the machine it ran on.
#
# Usage: bench/e2e.sh [MQCHAT_BINARY]
#   env: N=100000 REPS=3 KEEP=1 (keep the temp dir)
# Needs: bash 5, mosquitto, mosquitto_sub, mosquitto_pub, python3, awk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MQCHAT=${1:-${MQCHAT:-$here/../build/default/bin/mqchat}}
N=${N:-100000}
REPS=${REPS:-3}
ROOM=bench
TOPIC=chat/$ROOM/messages
PROBE_TOPIC=chat/$ROOM/probe      # retained; tells when mosquitto_sub is subscribed
SETTLE_S=1.5                      # a counting subscriber is done after this long without a new message

for tool in mosquitto mosquitto_sub mosquitto_pub python3 awk; do
    command -v "$tool" >/dev/null || { echo "e2e.sh: $tool not found" >&2; exit 2; }
done
[[ -x $MQCHAT ]] || { echo "e2e.sh: mqchat binary not found at $MQCHAT (build it, or pass its path)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqchat-e2e.XXXXXX")
broker_pid=
cleanup() {
    local pids
    pids=$(jobs -pr) || true
    for pid in $pids; do
        if [[ $pid != "$broker_pid" ]]; then kill "$pid" 2>/dev/null || true; fi
    done
    if [[ -n $broker_pid ]]; then
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "e2e.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
log() { printf '%s\n' "$*" >&2; }

# --- the broker -------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
# 0 = no limit: a subscriber that falls behind must lose nothing
max_queued_messages 0
# Mosquitto's default; it is the Receive Maximum the broker announces
max_inflight_messages 20
persistence false
EOF
mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 100); do
    grep -q "running" "$tmp/mosquitto.log" 2>/dev/null && break
    kill -0 "$broker_pid" 2>/dev/null || { cat "$tmp/mosquitto.log" >&2; exit 1; }
    sleep 0.05
done
BROKER=mqtt://127.0.0.1:$PORT
SUB=(mosquitto_sub -h 127.0.0.1 -p "$PORT" -q 1)
PUB=(mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1)
MQ_SEND=("$MQCHAT" "$ROOM" --no-auth --broker "$BROKER" --user bench --send - -q)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "broker: mosquitto on $BROKER (max_queued_messages 0, max_inflight_messages 20 = Receive Maximum 20)"

# --- the input, generated once ----------------------------------------------
# texts:  N distinct lines of text, the stdin of `mqchat --send -`, which wraps
#         each one in its canonical JSON envelope with a fresh ULID.
# ndjson: the same N texts already in canonical JSON with distinct ids, the
#         stdin of `mosquitto_pub -l`: both publishers send payloads of the same
#         shape and about the same size (~120 bytes).
python3 - "$N" "$tmp/texts" "$tmp/ndjson" <<'EOF'
import sys, time
n, texts, ndjson = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ts = int(time.time() * 1000)
with open(texts, "w") as t, open(ndjson, "w") as j:
    for i in range(n):
        text = "message %d of the benchmark stream" % i
        t.write(text + "\n")
        j.write('{"id":"01JBENCH%018d","user":"bench","text":"%s","timestamp":%d}\n' % (i, text, ts + i))
EOF
log "input: $N lines, $(wc -c <"$tmp/ndjson") bytes as canonical JSON"

# Counting: lines that are messages, and distinct ones (QoS 1 may repeat).
count_msgs() { grep -c '^{' "$1" || true; }
count_distinct() { grep '^{' "$1" | sort -u | wc -l; }

# Wait until a file holds a line matching $2, or fail after $3 seconds.
wait_for_line() {
    local file=$1 pattern=$2 limit=$3 pid=$4 t0
    t0=$(now)
    until grep -q -- "$pattern" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { log "subscriber died before subscribing"; return 1; }
        awk -v a="$t0" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }' && { log "no '$pattern' in $file"; return 1; }
        sleep 0.02
    done
}

# A counting subscriber is finished when it has N messages or has been quiet
# for SETTLE_S; then it is stopped. Prints the time the count last changed.
settle() {
    local file=$1 pid=$2 last=-1 cur changed
    changed=$(now)
    while kill -0 "$pid" 2>/dev/null; do
        cur=$(count_msgs "$file")
        if [[ $cur != "$last" ]]; then last=$cur; changed=$(now); fi
        ((cur >= N)) && break
        awk -v a="$changed" -v b="$(now)" -v l="$SETTLE_S" 'BEGIN { exit !(b - a > l) }' && break
        sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Runs a command with its stdin from $1, its stderr to $2; its user+sys CPU
# seconds go to $3. Returns the command's exit status.
cpu_timed() {
    local input=$1 err=$2 cpufile=$3; shift 3
    local rc=0
    { TIMEFORMAT='%U %S'; time "$@" <"$input" 2>"$err"; } 2>"$cpufile.raw" || rc=$?
    awk '{ printf "%.2f\n", $1 + $2 }' "$cpufile.raw" >"$cpufile"
    return "$rc"
}

# Runs the publisher `mqchat --send -` on texts; fails loudly if it fails.
publish_all_with_mqchat() {
    "${MQ_SEND[@]}" <"$tmp/texts" || { log "publisher mqchat --send - failed ($?)"; exit 1; }
}

# --- 1. tail ----------------------------------------------------------------
"${PUB[@]}" -t "$PROBE_TOPIC" -r -m PROBE
declare -a tail_sub_rate tail_sub_cpu tail_mq_rate tail_mq_cpu
tail_sub_n=() tail_mq_n=()
for rep in $(seq "$REPS"); do
    # mosquitto_sub: subscribed once the retained probe arrives; -C counts it.
    out=$tmp/tail-sub-$rep.out
    ( TIMEFORMAT='%R %U %S'; time timeout 300 "${SUB[@]}" -C $((N + 1)) -t "$TOPIC" -t "$PROBE_TOPIC" >"$out" 2>"$out.err" ) 2>"$out.time" &
    pid=$!
    wait_for_line "$out" '^PROBE$' 10 "$pid"
    t0=$(now); publish_all_with_mqchat; t1=$(now)
    wait "$pid" || { log "mosquitto_sub tail failed: $(cat "$out.err")"; exit 1; }
    t2=$(now)
    n=$(count_msgs "$out")
    tail_sub_n+=("$n")
    tail_sub_rate+=("$(rate "$n" "$(elapsed "$t0" "$t2")")")
    tail_sub_cpu+=("$(awk '{ printf "%.2f", $2 + $3 }' "$out.time")")
    log "tail mosquitto_sub  run $rep: $n msgs, publish $(elapsed "$t0" "$t1") s, exit $(elapsed "$t0" "$t2") s, cpu ${tail_sub_cpu[-1]} s"

    # mqchat --tail: subscribed once -v says so.
    out=$tmp/tail-mq-$rep.out
    ( TIMEFORMAT='%R %U %S'; time timeout 300 "$MQCHAT" "$ROOM" --no-auth --broker "$BROKER" --tail -C "$N" --json -v >"$out" 2>"$out.err" ) 2>"$out.time" &
    pid=$!
    wait_for_line "$out.err" "subscribed to $TOPIC" 10 "$pid"
    t0=$(now); publish_all_with_mqchat; t1=$(now)
    wait "$pid" || { log "mqchat --tail failed: $(cat "$out.err")"; exit 1; }
    t2=$(now)
    n=$(count_msgs "$out")
    tail_mq_n+=("$n")
    tail_mq_rate+=("$(rate "$n" "$(elapsed "$t0" "$t2")")")
    tail_mq_cpu+=("$(awk '{ printf "%.2f", $2 + $3 }' "$out.time")")
    log "tail mqchat --tail  run $rep: $n msgs, publish $(elapsed "$t0" "$t1") s, exit $(elapsed "$t0" "$t2") s, cpu ${tail_mq_cpu[-1]} s"
done

# --- 2. send ----------------------------------------------------------------
# Each run: a counting subscriber, then the publisher, timed; then the
# subscriber is given SETTLE_S to receive stragglers and its output counted.
declare -a pub_wall pub_got pub_distinct pub_cpu mq_wall mq_got mq_distinct mq_cpu held_time held_got held_cpu
start_counter() { # $1 = output file, $2 = extra mosquitto_sub options; sets cpid
    # Also subscribed to the retained probe: its arrival says the subscription
    # is in place. count_msgs counts only the JSON lines, not the probe.
    # shellcheck disable=SC2086
    "${SUB[@]}" $2 -t "$TOPIC" -t "$PROBE_TOPIC" >"$1" 2>"$1.err" &
    cpid=$!
    wait_for_line "$1" '^PROBE$' 10 "$cpid"
}
for rep in $(seq "$REPS"); do
    out=$tmp/send-pub-$rep.out
    start_counter "$out" ""
    t0=$(now)
    cpu_timed "$tmp/ndjson" "$out.pub.err" "$out.cpu" "${PUB[@]}" -l -t "$TOPIC" || log "mosquitto_pub exited $?"
    t1=$(now)
    settle "$out" "$cpid"
    pub_wall+=("$(elapsed "$t0" "$t1")"); pub_cpu+=("$(cat "$out.cpu")"); pub_got+=("$(count_msgs "$out")"); pub_distinct+=("$(count_distinct "$out")")
    log "send mosquitto_pub -l     run $rep: wall ${pub_wall[-1]} s, cpu ${pub_cpu[-1]} s, arrived ${pub_got[-1]} (${pub_distinct[-1]} distinct) of $N"

    out=$tmp/send-mq-$rep.out
    start_counter "$out" ""
    t0=$(now)
    cpu_timed "$tmp/texts" "$out.pub.err" "$out.cpu" "${MQ_SEND[@]}" || log "mqchat --send - exited $?: $(cat "$out.pub.err")"
    t1=$(now)
    settle "$out" "$cpid"
    mq_wall+=("$(elapsed "$t0" "$t1")"); mq_cpu+=("$(cat "$out.cpu")"); mq_got+=("$(count_msgs "$out")"); mq_distinct+=("$(count_distinct "$out")")
    log "send mqchat --send -      run $rep: wall ${mq_wall[-1]} s, cpu ${mq_cpu[-1]} s, arrived ${mq_got[-1]} (${mq_distinct[-1]} distinct) of $N"

    # mosquitto_pub -l with stdin held open until the counter has N (or 60 s):
    # the time to the last delivery is what it sustains without dropping.
    out=$tmp/send-held-$rep.out
    start_counter "$out" "-C $((N + 1)) -W 60"   # exits on the N-th message (+ the probe)
    t0=$(now)
    { cat "$tmp/ndjson"; for _ in $(seq 1200); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done; } |
        { TIMEFORMAT='%U %S'; time "${PUB[@]}" -l -t "$TOPIC" 2>"$out.pub.err"; } 2>"$out.cpu.raw" &
    ppid_held=$!
    wait "$cpid" || true
    t1=$(now)
    wait "$ppid_held" 2>/dev/null || true
    held_got+=("$(count_msgs "$out")")
    held_time+=("$(elapsed "$t0" "$t1")")
    held_cpu+=("$(awk '{ printf "%.2f", $1 + $2 }' "$out.cpu.raw")")
    log "send mosquitto_pub -l held run $rep: last delivery at ${held_time[-1]} s, cpu ${held_cpu[-1]} s, arrived ${held_got[-1]} of $N"
done

# --- 3. summary -------------------------------------------------------------
m_tail_sub=$(median "${tail_sub_rate[@]}"); m_tail_mq=$(median "${tail_mq_rate[@]}")
m_cpu_sub=$(median "${tail_sub_cpu[@]}"); m_cpu_mq=$(median "${tail_mq_cpu[@]}")
m_pub_wall=$(median "${pub_wall[@]}"); m_pub_got=$(median "${pub_got[@]}")
m_mq_wall=$(median "${mq_wall[@]}"); m_mq_got=$(median "${mq_got[@]}")
m_held_time=$(median "${held_time[@]}"); m_held_got=$(median "${held_got[@]}")
pub_deliv=(); pub_nom=(); mq_deliv=(); mq_nom=(); held_rate=()
for i in $(seq 0 $((REPS - 1))); do
    pub_deliv+=("$(rate "${pub_got[i]}" "${pub_wall[i]}")"); pub_nom+=("$(rate "$N" "${pub_wall[i]}")")
    mq_deliv+=("$(rate "${mq_got[i]}" "${mq_wall[i]}")"); mq_nom+=("$(rate "$N" "${mq_wall[i]}")")
    held_rate+=("$(rate "${held_got[i]}" "${held_time[i]}")")
done
m_pub_deliv=$(median "${pub_deliv[@]}"); m_pub_nom=$(median "${pub_nom[@]}")
m_mq_deliv=$(median "${mq_deliv[@]}"); m_mq_nom=$(median "${mq_nom[@]}")
m_held_rate=$(median "${held_rate[@]}")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "== mqchat end-to-end benchmark: $N QoS 1 messages, median of $REPS runs =="
echo "date (UTC):  $(date -u '+%Y-%m-%d %H:%M:%S')"
echo "machine:     $(nproc) CPU(s), ${cpu_model:-unknown CPU}, kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
echo "load avg:    $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end (1/5/15 min; other work on the machine skews every figure)"
echo "mosquitto:   $(mosquitto -h 2>/dev/null | awk 'NR == 1 { print $3 }') (broker, mosquitto_sub, mosquitto_pub)"
echo "paho:        $(dpkg-query -W -f='${Version}' libpaho-mqttpp3-1 2>/dev/null || echo '?') (C++), $(dpkg-query -W -f='${Version}' libpaho-mqtt1.3 2>/dev/null || echo '?') (C)"
echo "mqchat:      $("$MQCHAT" --version 2>/dev/null | head -1)"
echo "broker:      one mosquitto, loopback, max_queued_messages 0 (unlimited), max_inflight_messages 20 (Receive Maximum 20)"
echo
echo "1. tail (publisher: mqchat --send -; rate = received / (publish start -> subscriber exit))"
printf '%-34s %12s %10s %14s\n' "subscriber" "msgs/s" "cpu s" "received"
printf '%-34s %12s %10s %14s\n' "mosquitto_sub -q 1 -C N" "$m_tail_sub" "$m_cpu_sub" "$(median "${tail_sub_n[@]}")/$N"
printf '%-34s %12s %10s %14s\n' "mqchat --tail -C N --json" "$m_tail_mq" "$m_cpu_mq" "$(median "${tail_mq_n[@]}")/$N"
printf '%-34s %12s %10s\n' "ratio mqchat/mosquitto_sub" "$(ratio "$m_tail_mq" "$m_tail_sub")" "$(ratio "$m_cpu_mq" "$m_cpu_sub")"
echo
echo "2. send (counting subscriber: mosquitto_sub -q 1)"
m_pub_cpu=$(median "${pub_cpu[@]}"); m_mq_cpu=$(median "${mq_cpu[@]}"); m_held_cpu=$(median "${held_cpu[@]}")
printf '%-34s %8s %7s %14s %9s %10s\n' "publisher" "wall s" "cpu s" "arrived" "deliv/s" "nominal/s"
printf '%-34s %8s %7s %14s %9s %10s\n' "mosquitto_pub -q 1 -l" "$m_pub_wall" "$m_pub_cpu" "$m_pub_got/$N" "$m_pub_deliv" "$m_pub_nom"
printf '%-34s %8s %7s %14s %9s %10s\n' "mqchat --send -" "$m_mq_wall" "$m_mq_cpu" "$m_mq_got/$N" "$m_mq_deliv" "$m_mq_nom"
printf '%-34s %8s %7s %14s %9s %10s\n' "mosquitto_pub -l, stdin held open" "$m_held_time" "$m_held_cpu" "$m_held_got/$N" "$m_held_rate" "-"
printf '%-34s %8s %7s %14s %9s %10s\n' "ratio mqchat/mosquitto_pub -l" "" "" "" "$(ratio "$m_mq_deliv" "$m_pub_deliv")" "$(ratio "$m_mq_nom" "$m_pub_nom")"
printf '%-34s %8s %7s %14s %9s\n' "ratio mqchat/held-open" "" "$(ratio "$m_mq_cpu" "$m_held_cpu")" "" "$(ratio "$m_mq_deliv" "$m_held_rate")"
echo
echo "(held open: wall s = time to the last delivery: mosquitto_pub's sustained rate when it drops nothing;"
echo " cpu s = the publisher's own user+sys CPU, the figure least moved by other load; its ratio is mqchat/held-open)"
echo "all runs: tail sub ${tail_sub_rate[*]} | tail mq ${tail_mq_rate[*]} | pub deliv ${pub_deliv[*]} nominal ${pub_nom[*]} | mq ${mq_deliv[*]} | held ${held_rate[*]} | cpu pub ${pub_cpu[*]} mq ${mq_cpu[*]} held ${held_cpu[*]}"
