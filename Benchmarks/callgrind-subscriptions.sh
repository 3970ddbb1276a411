#!/usr/bin/env bash
# Instructions per subscription datagram (callgrind, user space only), stable on a noisy
# machine: the release fleetrouter runs under callgrind with a UDP subscription server; 1,000
# nodes of one key are announced, the counters are zeroed, N re-announces are sent at RATE
# packets/s (subscribe-blast), the counters are dumped and divided by the datagrams the table
# took (`/metrics`). Prints Ir/datagram and the top functions (inclusive), thread entry points
# left out.
#
#   Benchmarks/callgrind-subscriptions.sh [N=20000] [RATE=4000] [TOP=30]
#
# FLEETROUTER=PATH measures that binary; otherwise the deployed release build (SWIFT, SCRATCH
# as for the other scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
RATE=${2:-4000}
TOP=${3:-30}
STOP_GRACE=1
source Benchmarks/common.sh
require_tools "apt-get install valgrind" valgrind callgrind_control callgrind_annotate objcopy cc curl

if [ -z "${FLEETROUTER:-}" ]; then FLEETROUTER=$(release_bin_path)/fleetrouter; fi
# Valgrind 3.19 cannot read the DWARF 5 Swift emits; function symbols are enough.
objcopy --strip-debug "$FLEETROUTER" "$WORK/fleetrouter"
cc -O2 -o "$WORK/subscribe-blast" Benchmarks/subscribe-blast.c
cc -O2 -shared -fPIC -o "$WORK/sigsuspend-shim.so" Benchmarks/sigsuspend-shim.c
HTTP=19421 SUB=19422 ADMIN=19423
METRICS=http://127.0.0.1:$ADMIN/metrics
taken() { curl -fsS "$METRICS" | awk '/^fleetrouter_subscription_datagrams_received_total/ {r += $NF}
  /^fleetrouter_subscription_datagrams_rejected_total/ {j += $NF} END {printf "%d\n", r - j}'; }

LD_PRELOAD="$WORK/sigsuspend-shim.so" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p" "$WORK/fleetrouter" --data-plane epoll \
  --http 127.0.0.1:$HTTP --http-subscription-server 127.0.0.1:$SUB --admin 127.0.0.1:$ADMIN >"$WORK/fleetrouter.log" 2>&1 & PIDS+=($!)
VG=$!
wait_port $HTTP
wait_port $ADMIN
"$WORK/subscribe-blast" $SUB 0 1000 >/dev/null  # every node known: what follows are refreshes
"$WORK/subscribe-blast" $SUB 1 1000 sub.bench 2000 >/dev/null  # warm-up
before=$(taken)
callgrind_control --zero $VG >/dev/null
sent=$("$WORK/subscribe-blast" $SUB "$(python3 -c "print($N / $RATE)")" 1000 sub.bench "$RATE")
sleep 1  # let the reader finish the last batch
callgrind_control --dump=measured $VG >/dev/null
took=$(( $(taken) - before ))
DUMP=$(ls -t "$WORK"/callgrind.out.* | head -1)
TOTAL=$(awk '/^summary:|^totals:/ { print $2; exit }' "$DUMP")
REPORT="$OUT/callgrind-subscriptions-$(date +%Y%m%d-%H%M%S)"
cp "$DUMP" "$REPORT.out"
{
  echo "datagrams sent: $sent   taken by the table: $took   instructions: $TOTAL   per datagram: $((TOTAL / took))"
  echo
  echo "== inclusive (Ir per datagram, function)"
  callgrind_annotate --threshold=100 --inclusive=yes "$DUMP" 2>/dev/null | awk -v n="$took" -v top="$TOP" -v total="$TOTAL" '
    /^-+$/ { dashes++; next }
    dashes >= 4 && NF >= 3 && $1 ~ /^[0-9,]+$/ && count < top {
      ir = $1; gsub(",", "", ir); if (ir > 0.9 * total) next; $1 = ""; $2 = ""
      printf "%9.0f %s\n", ir / n, substr($0, 3); count++ }' |
    (command -v swift-demangle >/dev/null && swift-demangle --simplified || cat) | cut -c1-180
} | tee "$REPORT.txt"
