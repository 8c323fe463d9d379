#!/usr/bin/env bash
# bench/soak.sh - a long stream through the embedded stack while its broker is
# killed every minute: CLIENTS senders (one account each) x RATE lines/s for
# DURATION s, to TAILS `mqchat --tail` readers, mosquitto_sub and the archive.
#
# Reports, as a block ready for bench/RESULTS.md (on stdout; progress on
# stderr): sent, acknowledged, lost and duplicated per reader, reconnect
# p50/p95 after each kill, and the RSS and open fds of mqchatd, mosquitto
# and the clients over time (sampled from /proc every SAMPLE s). It appends
# nothing anywhere by itself.
#
# Usage: bench/soak.sh [BUILD_DIR]     (default build/default; builds mqchat_soak there)
#   env: CLIENTS=20 RATE=50 DURATION=600 KILL_EVERY=60 TAILS=2 SAMPLE=5
# Exit: 0 nothing lost or duplicated, 3 something was, 1-2 it could not run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build/default}
CLIENTS=${CLIENTS:-20}
RATE=${RATE:-50}
DURATION=${DURATION:-600}
KILL_EVERY=${KILL_EVERY:-60}
TAILS=${TAILS:-2}
SAMPLE=${SAMPLE:-5}

for tool in mosquitto_sub ninja; do
    command -v "$tool" >/dev/null || { echo "soak.sh: $tool not found (scripts/deps test)" >&2; exit 2; }
done
# The driver lives with the fault suite (tests/faults/soak.cpp) and shares
# its harness: the stack, the senders and readers, the counting.
"$here/../scripts/build" "$build" -- mqchat_soak >&2
echo "soak.sh: $CLIENTS senders x $RATE msg/s for $DURATION s, broker killed every $KILL_EVERY s" >&2
exec "$build/bin/mqchat_soak" --senders "$CLIENTS" --rate "$RATE" --duration "$DURATION" \
    --kill-every "$KILL_EVERY" --tails "$TAILS" --sample-every "$SAMPLE"
