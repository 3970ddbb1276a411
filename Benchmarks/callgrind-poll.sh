#!/usr/bin/env bash
# Instructions per poll of the poller process (callgrind): PollBench serves COUNT stats servers
# natively; a debug-stripped copy of PollBench polls them under callgrind for SECONDS; total
# instructions (startup included) are divided by the documents read. Prints the top functions.
# MODE `watch` reads fleetrouter's pushed stats (GET /v1/watch) instead of polling.
# SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and build directory.
#
#   Benchmarks/callgrind-poll.sh [COUNT=50] [SECONDS=20] [TOP=30] [MODE=poll|watch]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-50}
SECONDS_=${2:-20}
TOP=${3:-30}
MODE=${4:-poll}
SWIFT=${SWIFT:-swift}
SCRATCH_ARGS=()
[ -n "${SCRATCH:-}" ] && SCRATCH_ARGS=(--scratch-path "$SCRATCH")
for tool in valgrind callgrind_annotate objcopy cc; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install valgrind)" >&2; exit 1; }
done
$SWIFT build -c release "${SCRATCH_ARGS[@]}" --product PollBench >/dev/null
bin="$($SWIFT build -c release "${SCRATCH_ARGS[@]}" --show-bin-path)"
work="$(mktemp -d)"
cleanup() {
  exec 3>&- 2>/dev/null || true
  [[ -n "${server:-}" ]] && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Valgrind 3.19 cannot read the DWARF 5 Swift emits; function symbols are enough.
objcopy --strip-debug "$bin/PollBench" "$work/PollBench"
cc -O2 -shared -fPIC -o "$work/sigsuspend-shim.so" Benchmarks/sigsuspend-shim.c
mkfifo "$work/stdin"
"$bin/PollBench" serve "$COUNT" < "$work/stdin" > "$work/ports.txt" 2> "$work/serve.log" &
server=$!
exec 3> "$work/stdin"
for _ in $(seq 1 600); do
  grep -q '^ready' "$work/serve.log" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
LD_PRELOAD="$work/sigsuspend-shim.so" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  "$work/PollBench" poll "$work/ports.txt" "$SECONDS_" "$MODE" > "$work/poll.txt" 2> "$work/valgrind.log"
cat "$work/poll.txt"
polls=$(awk '/documents/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^documents/) d = $i; if (match($0, /[0-9]+ failures/)) f = substr($0, RSTART, RLENGTH) + 0; print d + f; exit }' "$work/poll.txt")
TOTAL=$(awk '/^summary:|^totals:/ { print $2; exit }' "$work/callgrind.out")
mkdir -p Benchmarks/results
REPORT="Benchmarks/results/callgrind-poll-$(date +%Y%m%d-%H%M%S)"
cp "$work/callgrind.out" "$REPORT.out"
annotate() {
  callgrind_annotate --threshold=100 "$@" "$work/callgrind.out" 2>/dev/null | awk -v n="$polls" -v top="$TOP" -v total="$TOTAL" '
    /^-+$/ { dashes++; next }
    dashes >= 4 && NF >= 3 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ && count < top {
      ir = $1; gsub(",", "", ir); if (ir > 0.9 * total) next; $1 = ""; $2 = ""
      printf "%9.0f %s\n", ir / n, substr($0, 3); count++ }' |
    swift-demangle --simplified | cut -c1-200
}
{
  echo "$MODE documents: $polls   instructions: $TOTAL   per document: $((TOTAL / polls))"
  echo
  echo "== self (Ir per poll, function)"
  annotate
  echo
  echo "== inclusive (Ir per poll, function)"
  annotate --inclusive=yes
} | tee "$REPORT.txt"
