#!/usr/bin/env bash
# Forkpty session setup (issue 12): connect → first byte of the shell's prompt, one session
# after another (each closed by the client, so the router also hangs up and reaps), against
# uWSGI 2.0.21's forkptyrouter and fleetrouter's, alternating rounds on a framed unix listener.
# Prints sessions/s and p50/p99 setup latency per round, then the medians and the ratio.
#
#   Benchmarks/forkpty.sh [ROUNDS=3] [SESSIONS=300]
#
# FLEETROUTER=/path/to/fleetrouter skips the release build (e.g. to measure a debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SESSIONS=${2:-300}
source Benchmarks/common.sh
require_tools "apt-get install uwsgi-core python3" uwsgi python3
if [ -z "${FLEETROUTER:-}" ]; then
  echo "== building release fleetrouter"
  FLEETROUTER=$(release_bin_path)/fleetrouter
fi

# The same shell for both: dash with an empty environment prompt ("$ " or "# ").
uwsgi --plugin forkptyrouter --master --die-on-term --forkptyurouter "$WORK/uwsgi.sock" >"$WORK/uwsgi.log" 2>&1 &
PIDS+=($!)
"$FLEETROUTER" --forkptyurouter "$WORK/fleetrouter.sock" >"$WORK/fleetrouter.log" 2>&1 &
PIDS+=($!)
for sock in uwsgi fleetrouter; do
  for _ in $(seq 100); do [ -S "$WORK/$sock.sock" ] && break; sleep 0.05; done
  [ -S "$WORK/$sock.sock" ] || { echo "$sock did not bind"; cat "$WORK/$sock.log"; exit 1; }
done

cat >"$WORK/setup.py" <<'EOF'
import socket, sys, time
path, count = sys.argv[1], int(sys.argv[2])
latencies = []
start = time.perf_counter()
for _ in range(count):
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    if not s.recv(1):
        sys.exit("closed before the prompt")
    latencies.append(time.perf_counter() - t0)
    s.close()
elapsed = time.perf_counter() - start
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"{count / elapsed:.0f} {p(0.5):.2f} {p(0.99):.2f}")
EOF

declare -A RATES
echo "== $SESSIONS sessions per round, $ROUNDS rounds (sessions/s, p50 ms, p99 ms)"
for round in $(seq "$ROUNDS"); do
  for router in uwsgi fleetrouter; do
    read -r rate p50 p99 < <(python3 "$WORK/setup.py" "$WORK/$router.sock" "$SESSIONS")
    printf "round %d %-12s %6s sessions/s  p50 %6s ms  p99 %6s ms\n" "$round" "$router" "$rate" "$p50" "$p99"
    RATES[$router]="${RATES[$router]:-} $rate"
  done
done
U=$(echo "${RATES[uwsgi]}" | median)
F=$(echo "${RATES[fleetrouter]}" | median)
echo "median: uwsgi $U sessions/s, fleetrouter $F sessions/s, ratio $(python3 -c "print(f'{$F/$U:.2f}')")"
# Leftovers after the run: fleetrouter's children (each must have been reaped).
sleep 1
echo "fleetrouter children left: $(cat /proc/"${PIDS[1]}"/task/*/children | wc -w)"
