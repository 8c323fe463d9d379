#!/usr/bin/env bash
# bench/paho_debug_aids.sh - how much of `mqchat --send -`'s cost is Debian's
# Paho C build keeping its debugging aids on (it is not built with
# PAHO_HIGH_PERFORMANCE): every Paho function entry/exit is recorded in a
# global, mutex-protected stack-trace ring, every malloc/free goes through a
# mutex-protected heap-tracking tree, and Log(TRACE_MINIMUM, ...) formats with
# vsnprintf. None of it can be turned off at run time (Log_setTraceLevel can
# only lower the level).
#
# An experiment, not a build recipe: it rebuilds libpaho-mqtt3as.so.1 in a temp
# dir from Debian's own static archive (libpaho-mqtt3as.a, same 1.3.12 source),
# with those three modules replaced by no-op stand-ins, and runs the same mqchat
# binary against it via LD_LIBRARY_PATH, alternating with the stock library:
#   stock   the system libpaho-mqtt3as.so.1
#   nodbg   no stack-trace ring, no heap tracking (Heap.c, StackTrace.c stubbed)
#   nolog   nodbg and Log()/Log_stackTrace() as no-ops (Log.c stubbed too)
# It prints wall and CPU time of `mqchat --send -` for N lines (no subscriber:
# the publisher alone) against a private Mosquitto on loopback.
#
# Usage: bench/paho_debug_aids.sh [MQCHAT_BINARY]   env: N=100000 REPS=3 KEEP=1
# Needs: mosquitto, python3, gcc, ar, libpaho-mqtt-dev (for the .a).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MQCHAT=${1:-${MQCHAT:-$here/../build/default/bin/mqchat}}
N=${N:-100000}
REPS=${REPS:-3}
ARCHIVE=/usr/lib/x86_64-linux-gnu/libpaho-mqtt3as.a
for tool in mosquitto python3 gcc ar; do
    command -v "$tool" >/dev/null || { echo "paho_debug_aids.sh: $tool not found" >&2; exit 2; }
done
[[ -f $ARCHIVE ]] || { echo "paho_debug_aids.sh: $ARCHIVE not found (libpaho-mqtt-dev)" >&2; exit 2; }
[[ -x $MQCHAT ]] || { echo "paho_debug_aids.sh: no mqchat at $MQCHAT" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqchat-paho.XXXXXX")
broker_pid=
cleanup() {
    if [[ -n $broker_pid ]]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the library variants ---------------------------------------------------
mkdir -p "$tmp/objs" "$tmp/nodbg" "$tmp/nolog"
(cd "$tmp/objs" && ar x "$ARCHIVE")
# The archive's objects have every global symbol hidden; make them default so
# a shared library built from them exports the API libpaho-mqttpp3 needs.
python3 - "$tmp/objs" <<'EOF'
import glob, os, struct, sys
for f in glob.glob(os.path.join(sys.argv[1], "*.o")):
    b = bytearray(open(f, "rb").read())
    shoff = struct.unpack_from("<Q", b, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", b, 0x3A)
    for i in range(shnum):
        _, typ, _, _, offset, size, _, _, _, _ = struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize)
        if typ != 2:  # SHT_SYMTAB
            continue
        for j in range(size // 24):
            so = offset + j * 24
            if b[so + 4] >> 4 == 1 and b[so + 5] & 3 == 2 and struct.unpack_from("<H", b, so + 6)[0] != 0:
                b[so + 5] &= ~3  # STV_HIDDEN -> STV_DEFAULT, global defined symbols only
    open(f, "wb").write(b)
EOF
cat >"$tmp/nodbg.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
typedef struct { size_t current_size; size_t max_size; } heap_info;
static heap_info info;
void* mymalloc(char* f, int l, size_t n) { (void)f; (void)l; return malloc(n); }
void* myrealloc(char* f, int l, void* p, size_t n) { (void)f; (void)l; return realloc(p, n); }
void myfree(char* f, int l, void* p) { (void)f; (void)l; free(p); }
int Heap_initialize(void) { return 0; }
void Heap_terminate(void) {}
heap_info* Heap_get_info(void) { return &info; }
void* Heap_findItem(void* p) { (void)p; return NULL; }
void Heap_unlink(char* f, int l, void* p) { (void)f; (void)l; (void)p; }
int HeapDump(FILE* f) { (void)f; return 0; }
int HeapDumpString(FILE* f, char* s) { (void)f; (void)s; return 0; }
void StackTrace_entry(const char* n, int l, int t) { (void)n; (void)l; (void)t; }
void StackTrace_exit(const char* n, int l, void* r, int t) { (void)n; (void)l; (void)r; (void)t; }
void StackTrace_printStack(FILE* d) { (void)d; }
char* StackTrace_get(unsigned long id, char* buf, int size) { (void)id; if (size > 0) buf[0] = 0; return buf; }
int setStack(int create) { (void)create; return 0; }
EOF
cat >"$tmp/nolog.c" <<'EOF'
#include <sys/time.h>
typedef struct { int trace_level; int max_trace_entries; int trace_output_level; } trace_settings_type;
trace_settings_type trace_settings = { 3, 400, -1 };
struct timeval last_ts, now_ts;
int Log_initialize(void* info) { (void)info; return 0; }
void Log_setTraceCallback(void* cb) { (void)cb; }
void Log_setTraceLevel(int level) { (void)level; }
void Log_terminate(void) {}
void Log(int level, int msgno, const char* format, ...) { (void)level; (void)msgno; (void)format; }
void Log_stackTrace(int a, int b, int c, int d, const char* n, int l, int* rc) {
    (void)a; (void)b; (void)c; (void)d; (void)n; (void)l; (void)rc;
}
EOF
gcc -O2 -fPIC -c "$tmp/nodbg.c" -o "$tmp/nodbg.o"
gcc -O2 -fPIC -c "$tmp/nolog.c" -o "$tmp/nolog.o"
keep=() keep_nolog=()
for o in "$tmp"/objs/*.o; do
    case ${o##*/} in
        Heap.c.o | StackTrace.c.o) ;;
        Log.c.o) keep+=("$o") ;;
        *) keep+=("$o") keep_nolog+=("$o") ;;
    esac
done
link() { gcc -shared -Wl,-Bsymbolic -Wl,-soname,libpaho-mqtt3as.so.1 -o "$1/libpaho-mqtt3as.so.1" "${@:2}" -lssl -lcrypto -lpthread; }
link "$tmp/nodbg" "${keep[@]}" "$tmp/nodbg.o"
link "$tmp/nolog" "${keep_nolog[@]}" "$tmp/nodbg.o" "$tmp/nolog.o"

# --- broker and input -------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 20\npersistence false\n' \
    "$PORT" >"$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 100); do grep -q running "$tmp/mosquitto.log" 2>/dev/null && break; sleep 0.05; done
seq "$N" | sed 's/.*/message & of the benchmark stream/' >"$tmp/texts"

# --- the runs ---------------------------------------------------------------
echo "mqchat --send - of $N lines, QoS 1, no subscriber; load avg $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %4s %8s %8s %10s\n' variant run "wall s" "cpu s" "msgs/s"
for rep in $(seq "$REPS"); do
    for variant in stock nodbg nolog; do
        libdir=
        [[ $variant != stock ]] && libdir=$tmp/$variant
        t0=$EPOCHREALTIME
        { TIMEFORMAT='%U %S'; time LD_LIBRARY_PATH=$libdir "$MQCHAT" bench --no-auth --broker "mqtt://127.0.0.1:$PORT" \
            --user bench --send - -q <"$tmp/texts"; } 2>"$tmp/cpu"
        t1=$EPOCHREALTIME
        awk -v v="$variant" -v r="$rep" -v a="$t0" -v b="$t1" -v n="$N" '{ printf "%-6s %4d %8.2f %8.2f %10.0f\n", v, r, b - a, $1 + $2, n / (b - a) }' "$tmp/cpu"
    done
done
echo "load avg at end $(cut -d' ' -f1-3 /proc/loadavg)"
