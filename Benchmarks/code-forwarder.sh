#!/usr/bin/env bash
# Code forwarder benchmark (issue 13): does a key whose resolver blocks 10 s stall the other
# requests? fleetrouter's HTTP router with --http-use-code-string 18:FILE:route
# (Benchmarks/code-resolver.c: "slow.local" sleeps 10 s, every other key calls the resolver and
# goes to the C node), wrk on another key, in rounds alternating "no slow key" and "slow.local
# requested (and held) during the round". Prints the p99 of each round, the medians and their
# ratio (the issue asks for at most 1.3).
#
#   Benchmarks/code-forwarder.sh [ROUNDS=3] [SECONDS=5]
#
# FLEETROUTER=PATH uses that binary instead of building the release one. ROUTER_CPUS and
# CLIENT_CPUS (default 0 and 1) are the cores the router and the node + load generator use.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION=${2:-5}
ROUTER_CPUS=${ROUTER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
source Benchmarks/common.sh

require_tools "apt-get install wrk curl" wrk curl taskset cc

if [ -z "${FLEETROUTER:-}" ]; then
  echo "== building release fleetrouter"
  FLEETROUTER=$(release_bin_path)/fleetrouter
fi
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -shared -fPIC -o "$WORK/libcode-resolver.so" Benchmarks/code-resolver.c

NODE=19401 ROUTER=19402
taskset -c "$CLIENT_CPUS" "$WORK/uwsgi-node" "$NODE" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
wait_port "$NODE"
CODE_NODE="127.0.0.1:$NODE" start_router fleetrouter "$ROUTER" taskset -c "$ROUTER_CPUS" "$FLEETROUTER" \
  --http "127.0.0.1:$ROUTER" --http-use-code-string "18:$WORK/libcode-resolver.so:route" --http-code-timeout 20000

# p99 ROUND: one wrk round on fast.local; prints the p99 in milliseconds.
p99() {
  taskset -c "$CLIENT_CPUS" wrk -t1 -c16 -d"${DURATION}s" --latency -H "Host: fast.local" "http://127.0.0.1:$ROUTER/" >"$WORK/$1.txt"
  awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 } print v }' "$WORK/$1.txt"
}

without=() with=()
for round in $(seq 1 "$ROUNDS"); do
  without+=("$(p99 "without-$round")")
  # A client waiting on the slow key for the whole round (the call blocks its thread 10 s).
  curl -s -m "$((DURATION + 12))" -H "Host: slow.local" "http://127.0.0.1:$ROUTER/" >/dev/null &
  slow=$!
  with+=("$(p99 "with-$round")")
  echo "round $round: p99 ${without[-1]} ms without, ${with[-1]} ms while slow.local blocks"
  wait "$slow" || true
done
a=$(echo "${without[@]}" | median)
b=$(echo "${with[@]}" | median)
echo "p99 median: $a ms without, $b ms with a blocked key; ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')" | tee "$OUT/code-forwarder.txt"
