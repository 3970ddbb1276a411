#!/usr/bin/env bash
# System calls per HTTP request (strace -c -f), fleetrouter on each data-plane transport and
# uWSGI's http router, in front of the C uwsgi node: after a warm-up, exactly N keep-alive
# requests (Benchmarks/http-requests.c) are made under strace, and the calls counted are divided
# by N. Prints the total per request and the busiest calls. Then, without strace: the CPU time
# per request (user and system, from /proc over N more requests), and, where perf can count
# the raw_syscalls tracepoint, syscalls per request under load (wrk -c32 for LOAD_SECONDS),
# where io_uring batches the submissions of many requests into one io_uring_enter.
#
#   Benchmarks/syscalls-router.sh [N=5000]
#
# Builds exactly `swift build -c release`; SWIFT=locked-swift and SCRATCH=.build-release choose
# the compiler wrapper and a separate build directory. TRANSPORTS defaults to "uring epoll nio".
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSPORTS=${TRANSPORTS:-uring epoll nio}
N=${1:-5000}
LOAD_SECONDS=${LOAD_SECONDS:-3}
source Benchmarks/common.sh
require_tools "" strace uwsgi cc
FLEETROUTER=$(release_bin_path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -D_GNU_SOURCE -o "$WORK/http-requests" Benchmarks/http-requests.c
NODE=19601 PORT=19602


"$WORK/uwsgi-node" $NODE & PIDS+=($!)
wait_port $NODE

measure() { # label command...
  local label=$1; shift
  start_router "$label" $PORT "$@"
  local pid=$ROUTER_PID processes=$ROUTER_PROCESSES
  "$WORK/http-requests" $PORT 500 >/dev/null  # warm-up
  # Every thread of the process and of its children.
  local targets=""
  for p in $processes; do targets="$targets $(ls /proc/$p/task | sed 's/^/-p /')"; done
  # utime + stime ticks of the processes, before and after N requests.
  ticks() { for p in $processes; do awk '{ print $14, $15 }' /proc/$p/stat; done | awk '{ u += $1; s += $2 } END { print u, s }'; }
  local before after
  before=$(ticks)
  "$WORK/http-requests" $PORT "$N" >/dev/null
  after=$(ticks)
  local load=""
  if command -v perf >/dev/null && command -v wrk >/dev/null; then
    local list
    list=$(echo $processes | tr ' ' ',')
    perf stat -e raw_syscalls:sys_enter -p "$list" -x, -o "$WORK/$label.perf" -- sleep "$LOAD_SECONDS" &
    local counter=$!
    wrk -t1 -c32 -d"${LOAD_SECONDS}s" "http://127.0.0.1:$PORT/" >"$WORK/$label.wrk"
    wait $counter || true
    load=$(awk -F, '/raw_syscalls/ { print $1 }' "$WORK/$label.perf")
    load="$load $(awk '/requests in/ { print $1 }' "$WORK/$label.wrk")"
  fi
  strace -c -f $targets -o "$WORK/$label.strace" 2>/dev/null &
  local tracer=$!
  sleep 1  # strace attaches to every thread
  "$WORK/http-requests" $PORT "$N" >/dev/null
  kill -INT $tracer; wait $tracer 2>/dev/null || true
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n="$N" -v label="$label" '
    $NF == "total" { printf "%-16s %7.2f syscalls/request\n", label, $4 / n }
    $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { calls[$NF] = $4 }
    END { for (c in calls) if (calls[c] / n >= 0.05) printf "    %-16s %6.2f\n", c, calls[c] / n }' "$WORK/$label.strace" |
    sort -k2 -rn -s
  local hz
  hz=$(getconf CLK_TCK)
  echo "$before $after" | awk -v n="$N" -v hz="$hz" '
    { printf "    CPU per request: %.1f us user, %.1f us system (one client, no strace)\n", ($3 - $1) * 1e6 / hz / n, ($4 - $2) * 1e6 / hz / n }'
  if [ -n "$load" ]; then
    echo "$load" | awk '{ if ($2 > 0) printf "    under load (wrk -c32): %.2f syscalls/request over %d requests\n", $1 / $2, $2 }'
  fi
}

{
  echo "requests: $N (keep-alive, one client)"
  for t in $TRANSPORTS; do
    measure "fleet-$t" "$FLEETROUTER" --data-plane "$t" --http 127.0.0.1:$PORT --http-workers 1 --http-keepalive --http-to 127.0.0.1:$NODE
  done
  measure uwsgi uwsgi --master --plugin http --http 127.0.0.1:$PORT --http-keepalive --http-to 127.0.0.1:$NODE --disable-logging
} | tee "$OUT/syscalls-router-$(date +%Y%m%d-%H%M%S).txt"
