#!/usr/bin/env bash
# Idle keep-alive connections (issue 10): opens N client connections to each HTTP router, sends
# one request on each, keeps them all open, and reports the router process's resident memory
# per connection (VmRSS after minus before, over N), for fleetrouter (each transport in
# TRANSPORTS, default "uring epoll nio") and uWSGI 2.0.21's http router (its gateway process).
#
#   Benchmarks/idle-connections.sh [N=10000]
#
# Memory is deterministic enough that one round per router is enough; the kernel's socket
# buffers are not in either process's RSS. SWIFT=locked-swift and SCRATCH=.build-release as in
# the other router benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSPORTS=${TRANSPORTS:-uring epoll nio}
COUNT=${1:-10000}
source Benchmarks/common.sh
require_tools "apt-get install uwsgi-core" uwsgi cc python3
# Each process (client, router) needs COUNT descriptors and some spare.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((COUNT + 1024)) ] || { echo "open-file limit $(ulimit -n) is below $((COUNT + 1024)) (hard limit: ulimit -Hn)" >&2; exit 1; }

echo "== building release fleetrouter"
FLEETROUTER=$(release_bin_path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
NODE=19401
"$WORK/uwsgi-node" $NODE & PIDS+=($!)
wait_port $NODE
kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "the node could not listen on $NODE" >&2; exit 1; }

# hold.py PORT COUNT READY: opens COUNT connections, one request and its whole response on each,
# touches READY, then holds them until stdin closes.
cat >"$WORK/hold.py" <<'PY'
import selectors, socket, sys
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
sel = selectors.DefaultSelector()
socks, pending = [], 0
def answered(buf):
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep: return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length": return len(body) >= int(value)
    return False
for batch in range(0, count, 500):
    for _ in range(min(500, count - batch)):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
        socks.append(s); pending += 1
    while pending:
        for key, _ in sel.select(timeout=30) or [(None, None)]:
            if key is None: sys.exit("no answer within 30 s")
            data = key.fileobj.recv(65536)
            if not data: sys.exit("a connection closed before its answer")
            key.data.extend(data)
            if answered(key.data):
                sel.unregister(key.fileobj); pending -= 1
open(ready, "w").close()
sys.stdin.read()
PY

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# measure NAME PORT PID: prints NAME, RSS before and after, and KB per connection.
measure() {
  local name=$1 port=$2 pid=$3 before after
  # Warm-up: a few hundred connections opened and closed, so pools and lazy pages are in place.
  python3 "$WORK/hold.py" "$port" 200 "$WORK/warm" </dev/null
  before=$(rss_kb "$pid")
  rm -f "$WORK/ready"
  exec 5> >(python3 "$WORK/hold.py" "$port" "$COUNT" "$WORK/ready")
  for _ in $(seq 1 1200); do [ -e "$WORK/ready" ] && break; sleep 0.1; done
  [ -e "$WORK/ready" ] || { echo "$name: the $COUNT connections were not all answered within 120 s" >&2; exit 1; }
  after=$(rss_kb "$pid")
  exec 5>&-
  awk -v n="$name" -v b="$before" -v a="$after" -v c="$COUNT" \
    'BEGIN { printf "%-18s RSS %7d KB -> %7d KB   %6.2f KB per connection\n", n, b, a, (a - b) / c }' | tee -a "$WORK/summary.txt"
}

echo "== $COUNT idle keep-alive connections per router"
n=0
for t in $TRANSPORTS; do
  port=$((19410 + n)); n=$((n + 1))
  "$FLEETROUTER" --data-plane "$t" --http 127.0.0.1:$port --http-workers 1 --http-keepalive \
    --http-max-connections $((COUNT + 1000)) --http-to 127.0.0.1:$NODE >"$WORK/fleetrouter-$t.log" 2>&1 & PIDS+=($!)
  pid=$!
  wait_port $port
  measure "fleetrouter $t" $port $pid
  kill -INT $pid; wait $pid 2>/dev/null || true
done

UWSGI=19430
uwsgi --master --auto-procname --plugin http --http 127.0.0.1:$UWSGI --http-keepalive \
  --http-to 127.0.0.1:$NODE --disable-logging >"$WORK/uwsgi.log" 2>&1 & PIDS+=($!)
wait_port $UWSGI
GATEWAY=$(pgrep -f "^uWSGI http" | head -1)
[ -n "$GATEWAY" ] || { echo "uWSGI's http gateway process not found" >&2; exit 1; }
measure "uWSGI http" $UWSGI "$GATEWAY"

stamp=$(date -u +%Y%m%d-%H%M%S)
cp "$WORK/summary.txt" "$OUT/idle-connections-$stamp.txt"
echo "== written to $OUT/idle-connections-$stamp.txt"
