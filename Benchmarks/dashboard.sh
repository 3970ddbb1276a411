#!/usr/bin/env bash
# Dashboard cost on synthetic fleets (release build):
# 1. DashboardBench on ROUTERS routers × 20 nodes (10,000 by default): per-second poll frames
#    (the poller records a round of documents, one per router; the UI takes the snapshot and a
#    tick, renders 200×60 and diffs) and key frames (selection moves), p50/p99 for the Fleet and
#    Router screens, and, on routers serving 10 of 100 shared keys, for the key view (K), a
#    key's drill-down and the Fleet screen grouped by key (b b); and the process's peak resident
#    memory (snapshot, rows, dashboard state). Target: frame p99 < 5 ms at 10,000 routers.
# 2. PollBench: 1,000 RouterRuntime stats servers and admin APIs on 127.0.0.1 (one process),
#    each document changing at every read, read by FleetPoller at 1 Hz for SECONDS, recording
#    into a FleetSnapshot (another process), in alternating rounds: polled (uWSGI's stats
#    protocol, a connection per read; target < 10 %) and watched (fleetrouter's pushed stats,
#    GET /v1/watch, one connection per router; target < 5 %). The reader's CPU (getrusage
#    user+sys / wall) as % of one core, the median of each, and watch ÷ poll; for runs of 10 s
#    or more also over the steady state, after the first 5 s (connects, first documents).
#    With `idle` last, documents never change (a quiet fleet: the watch sends empty lines).
# Usage: [ROUTERS=10000] Benchmarks/dashboard.sh [frames] [seconds] [rounds] [idle]
#   (defaults: 60 frames at 5,000 routers or more, else 300; 20 s; 2 rounds)
# SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and a separate build
# directory without changing what is built (as Benchmarks/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
routers="${ROUTERS:-10000}"
frames="${1:-$(( routers >= 5000 ? 60 : 300 ))}"
seconds="${2:-20}"
rounds="${3:-2}"
idle="${4:-}"
SWIFT=${SWIFT:-swift}
SCRATCH_ARGS=()
[ -n "${SCRATCH:-}" ] && SCRATCH_ARGS=(--scratch-path "$SCRATCH")
$SWIFT build -c release "${SCRATCH_ARGS[@]}" --product DashboardBench
$SWIFT build -c release "${SCRATCH_ARGS[@]}" --product PollBench
bin="$($SWIFT build -c release "${SCRATCH_ARGS[@]}" --show-bin-path)"

"$bin/DashboardBench" "$frames" "$routers"

work="$(mktemp -d)"
cleanup() {
    exec 3>&- 2>/dev/null || true
    [[ -n "${server:-}" ]] && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/stdin"
# The servers run until their stdin closes (fd 3 here).
"$bin/PollBench" serve 1000 $idle < "$work/stdin" > "$work/ports.txt" 2> "$work/serve.log" &
server=$!
exec 3> "$work/stdin"
for _ in $(seq 1 600); do
    grep -q '^ready' "$work/serve.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
grep '^ready' "$work/serve.log" || { echo "stats servers did not start" >&2; exit 1; }
for round in $(seq 1 "$rounds"); do
    for mode in poll watch; do
        output="$("$bin/PollBench" poll "$work/ports.txt" "$seconds" "$mode" | tee >(cat >&2))"
        echo "$mode $(echo "$output" | grep '^poller process CPU' | sed -E 's/.*= ([0-9.]+) % of one core.*/\1/')" >> "$work/cpu.txt"
        steady="$(echo "$output" | grep '^steady state' | sed -E 's/.*= ([0-9.]+) % of one core.*/\1/')"
        [ -n "$steady" ] && echo "steady-$mode $steady" >> "$work/cpu.txt"
    done
done
median() { grep "^$1 " "$work/cpu.txt" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
poll="$(median poll)"
watch="$(median watch)"
echo "1,000 routers at 1 Hz${idle:+ (idle documents)}, median of $rounds rounds: polled $poll % of one core, watched $watch % (watch ÷ poll $(awk -v w="$watch" -v p="$poll" 'BEGIN {printf "%.2f", w / p}')×)"
if grep -q '^steady-' "$work/cpu.txt"; then
    echo "  steady state (after the first 5 s): polled $(median steady-poll) %, watched $(median steady-watch) %"
fi
