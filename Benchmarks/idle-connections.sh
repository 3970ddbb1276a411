#!/usr/bin/env bash
# Resident memory per idle keep-alive client connection (issue 10): CONNECTIONS clients each
# make one keep-alive request through the router and then stay open and idle; the router's
# resident memory (VmRSS of its process, and for uWSGI of the http router's processes) is
# read before and after, and the difference divided by the connections. fleetrouter runs once
# per data-plane transport (TRANSPORTS, default "uring epoll nio"), against uWSGI 2.0.21's
# http router with --http-keepalive. Bounded: every socket call has a 10 s timeout and the
# whole client gives up after 300 s.
#
#   Benchmarks/idle-connections.sh [CONNECTIONS=10000]
#
# Builds exactly `swift build -c release`; SWIFT=locked-swift and SCRATCH=.build-release choose
# the compiler wrapper and a separate build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSPORTS=${TRANSPORTS:-uring epoll nio}
CONNECTIONS=${1:-10000}
source Benchmarks/common.sh
require_tools "apt-get install uwsgi-core" uwsgi cc python3
FLEETROUTER=$(release_bin_path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
NODE=19701 PORT=19702
# The client and the router each hold CONNECTIONS sockets (each process under its own limit).
WANT=$((CONNECTIONS + 1024)) HARD=$(ulimit -Hn)
[ "$HARD" != unlimited ] && [ "$HARD" -lt "$WANT" ] && { echo "open-files limit $HARD < $WANT" >&2; exit 1; }
ulimit -n "$WANT"

"$WORK/uwsgi-node" $NODE & PIDS+=($!)
wait_port $NODE

cat >"$WORK/hold.py" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 300
held = []
for i in range(count):
    if time.monotonic() > deadline:
        sys.exit(f"gave up after {i} connections")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n")
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.endswith(b"ok"):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"connection {i} closed after {reply!r}")
        reply += chunk
    if not reply.startswith(b"HTTP/1.1 200"):
        sys.exit(f"connection {i}: {reply[:40]!r}")
    held.append(s)
print(len(held), flush=True)
sys.stdin.read()  # hold until told
PY

rss_kib() { # pids: the sum of their VmRSS in KiB
  for p in "$@"; do awk '/^VmRSS:/ { print $2 }' /proc/$p/status; done | awk '{ s += $1 } END { print s }'
}

measure() { # label command...
  local label=$1; shift
  start_router "$label" $PORT "$@"
  local pid=$ROUTER_PID processes=$ROUTER_PROCESSES
  # One request first: lazy start-up work is not counted per connection.
  python3 "$WORK/hold.py" $PORT 1 </dev/null >/dev/null
  local before after held
  # shellcheck disable=SC2086
  before=$(rss_kib $processes)
  mkfifo "$WORK/$label.fifo"
  python3 "$WORK/hold.py" $PORT "$CONNECTIONS" <"$WORK/$label.fifo" >"$WORK/$label.held" &
  local client=$!
  exec 7>"$WORK/$label.fifo"
  for _ in $(seq 1 3000); do [ -s "$WORK/$label.held" ] && break; kill -0 $client 2>/dev/null || break; sleep 0.1; done
  held=$(cat "$WORK/$label.held")
  # shellcheck disable=SC2086
  after=$(rss_kib $processes)
  exec 7>&-
  wait $client || true
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  awk -v label="$label" -v b="$before" -v a="$after" -v n="${held:-0}" 'BEGIN {
    if (n == 0) { printf "%-16s no connection held (see the log)\n", label; exit }
    printf "%-16s %6d connections  RSS %7.1f -> %7.1f MiB  %6.0f bytes per connection\n", label, n, b / 1024, a / 1024, (a - b) * 1024 / n }'
}

{
  echo "idle keep-alive client connections: $CONNECTIONS"
  for t in $TRANSPORTS; do
    measure "fleet-$t" "$FLEETROUTER" --data-plane "$t" --http 127.0.0.1:$PORT --http-workers 1 --http-keepalive \
      --http-max-connections $((CONNECTIONS + 100)) --http-to 127.0.0.1:$NODE
  done
  measure uwsgi uwsgi --master --plugin http --http 127.0.0.1:$PORT --http-keepalive --http-to 127.0.0.1:$NODE \
    --disable-logging --max-fd "$WANT"
} | tee "$OUT/idle-connections-$(date +%Y%m%d-%H%M%S).txt"
