#!/usr/bin/env bash
# Instructions per request of fleetrouter's HTTP hot path (callgrind), stable on a noisy
# machine: the release binary runs under callgrind in front of the C uwsgi node; after a
# warm-up the counters are zeroed, exactly N keep-alive requests are made
# (Benchmarks/http-requests.c), the counters are dumped and divided by N. Prints Ir/request and
# the top functions (inclusive and self) of each data plane in DATA_PLANES, then the
# per-request figures side by side.
#
#   DATA_PLANES="uring epoll" Benchmarks/callgrind-router.sh [N=5000] [TOP=25]
#
# The build is the deployed one, exactly `swift build -c release` (the speed flags live in
# Package.swift); SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and
# a separate build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# DATA_PLANE (one) is still understood.
DATA_PLANES=${DATA_PLANES:-${DATA_PLANE:-uring epoll}}
N=${1:-5000}
TOP=${2:-25}
STOP_GRACE=1
source Benchmarks/common.sh
require_tools "apt-get install valgrind" valgrind callgrind_control callgrind_annotate objcopy cc

$SWIFT build -c release "${SCRATCH_ARGS[@]}" >/dev/null
# Valgrind 3.19 cannot read the DWARF 5 Swift emits; function symbols are enough.
objcopy --strip-debug "$($SWIFT build -c release "${SCRATCH_ARGS[@]}" --show-bin-path)/fleetrouter" "$WORK/fleetrouter"
FLEETROUTER=$WORK/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -D_GNU_SOURCE -o "$WORK/http-requests" Benchmarks/http-requests.c
cc -O2 -shared -fPIC -o "$WORK/sigsuspend-shim.so" Benchmarks/sigsuspend-shim.c
NODE=19401 FLEET=19402


"$WORK/uwsgi-node" $NODE & PIDS+=($!)
wait_port $NODE

measure() { # data plane; prints the report and appends "plane Ir/request" to $WORK/summary
  DATA_PLANE=$1
  LD_PRELOAD="$WORK/sigsuspend-shim.so" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p" \
    "$FLEETROUTER" --data-plane "$DATA_PLANE" --http 127.0.0.1:$FLEET --http-workers 1 --http-keepalive --http-to 127.0.0.1:$NODE \
    >"$WORK/fleetrouter.log" 2>&1 & PIDS+=($!)
  VG=$!
  if ! (wait_port $FLEET) 2>/dev/null; then
    # Valgrind 3.19 stops with an internal SIGSEGV once the io_uring loops start.
    echo "$DATA_PLANE: fleetrouter did not start under valgrind; its log ends:"
    tail -3 "$WORK/fleetrouter.log"
    echo "$DATA_PLANE not-measurable" >>"$WORK/summary"
    kill -KILL $VG 2>/dev/null || true; wait $VG 2>/dev/null || true
    return
  fi
  "$WORK/http-requests" $FLEET 500 >/dev/null  # warm-up: caches, lazy metadata, allocator
  callgrind_control --zero $VG >/dev/null
  "$WORK/http-requests" $FLEET "$N" >/dev/null
  callgrind_control --dump=measured $VG >/dev/null
  DUMP=$(ls -t "$WORK"/callgrind.out.* | head -1)
  TOTAL=$(awk '/^summary:|^totals:/ { print $2; exit }' "$DUMP")
  REPORT="$OUT/callgrind-router-$DATA_PLANE-$(date +%Y%m%d-%H%M%S)"
  cp "$DUMP" "$REPORT.out"
  annotate() { # extra callgrind_annotate options; prints the function lines, Ir per request first
    # Skips the thread entry points (callgrind lists them with the whole program's cost).
    callgrind_annotate --threshold=100 "$@" "$DUMP" 2>/dev/null | awk -v n="$N" -v top="$TOP" -v total="$TOTAL" '
      /^-+$/ { dashes++; next }
      dashes >= 4 && NF >= 3 && $1 ~ /^[0-9,]+$/ && count < top {
        ir = $1; gsub(",", "", ir); if (ir > 0.9 * total) next; $1 = ""; $2 = ""
        printf "%9.0f %s\n", ir / n, substr($0, 3); count++ }' |
      (command -v swift-demangle >/dev/null && swift-demangle --simplified || cat) | cut -c1-180
}
{
  echo "data plane: $DATA_PLANE   requests: $N   instructions: $TOTAL   per request: $((TOTAL / N))"
  echo
  echo "== self (Ir per request, function)"
  annotate
  echo
  echo "== inclusive (Ir per request, function)"
  annotate --inclusive=yes
} | tee "$REPORT.txt"
echo "$DATA_PLANE $((TOTAL / N))" >>"$WORK/summary"
# Under valgrind a uring loop can miss the SIGINT; the dump is taken, so a bounded wait ends it.
kill -INT $VG
for _ in $(seq 50); do kill -0 $VG 2>/dev/null || break; sleep 0.1; done
kill -KILL $VG 2>/dev/null || true; wait $VG 2>/dev/null || true
rm -f "$WORK"/callgrind.out.*
}

for plane in $DATA_PLANES; do measure "$plane"; done
echo
echo "instructions per HTTP request (uWSGI 2.0.21's http router: about 15.6k)"
awk '{ printf "  %-8s %8s\n", $1, $2 }' "$WORK/summary"
