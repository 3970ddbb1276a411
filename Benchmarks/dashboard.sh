#!/usr/bin/env bash
# Dashboard cost on a synthetic fleet of 1,000 routers × 20 nodes (release build):
# 1. DashboardBench: per-second poll frames (the poller records a round of 1,000 documents; the
#    UI takes the snapshot and a tick, renders 200×60 and diffs) and key frames (selection
#    moves), p50/p99 for the Fleet and Router screens. Target: frame p99 < 5 ms.
# 2. PollBench: 1,000 RouterRuntime stats servers on 127.0.0.1 (one process) polled by
#    FleetPoller at 1 Hz for SECONDS, recording into a FleetSnapshot (another process); the
#    poller's CPU (getrusage user+sys / wall) as % of one core. Target: < 10 %.
# Usage: Benchmarks/dashboard.sh [frames] [seconds]   (defaults 300 frames, 20 s)
set -euo pipefail
cd "$(dirname "$0")/.."
frames="${1:-300}"
seconds="${2:-20}"
swift build -c release --product DashboardBench
swift build -c release --product PollBench
bin="$(swift build -c release --show-bin-path)"

"$bin/DashboardBench" "$frames"

work="$(mktemp -d)"
cleanup() {
    exec 3>&- 2>/dev/null || true
    [[ -n "${server:-}" ]] && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/stdin"
# The servers run until their stdin closes (fd 3 here).
"$bin/PollBench" serve 1000 < "$work/stdin" > "$work/ports.txt" 2> "$work/serve.log" &
server=$!
exec 3> "$work/stdin"
for _ in $(seq 1 600); do
    grep -q '^ready' "$work/serve.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
grep '^ready' "$work/serve.log" || { echo "stats servers did not start" >&2; exit 1; }
"$bin/PollBench" poll "$work/ports.txt" "$seconds"
