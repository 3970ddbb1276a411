#!/usr/bin/env bash
# TLS router benchmark (issue 11): the release `fleetrouter` binary's HTTPS listeners against
# uWSGI 2.0.21's https router, same C node, alternating rounds, routers on core 0, node and wrk
# on core 1 (as http-router.sh). Two certificates, ECDSA P-256 and RSA 2048, each on its own
# listener in both routers. Measures
#   - handshakes/s: Benchmarks/tls-handshakes.c, 32 processes each making one connection after
#     another, each a full handshake (a fresh session every time) with one `Connection: close`
#     request. wrk is not used for this: it resumes its TLS session on every new connection,
#     so the server signs nothing and RSA and ECDSA would measure the same;
#   - keep-alive req/s over TLS: wrk -c32 on kept connections;
# and prints the medians and the fleetrouter/uWSGI ratios (goal >= 1.0 on both).
#
#   Benchmarks/tls-router.sh [ROUNDS=3] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION=${2:-5}
source Benchmarks/common.sh

require_tools "apt-get install wrk uwsgi-core openssl libssl-dev" wrk uwsgi taskset cc python3 openssl

echo "== building release fleetrouter"
FLEETROUTER=$(release_bin_path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -o "$WORK/tls-handshakes" Benchmarks/tls-handshakes.c -lssl -lcrypto
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >"$WORK/load.txt"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ec.key" -out "$WORK/ec.crt" \
  -days 2 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -out "$WORK/rsa.crt" -days 2 -subj /CN=localhost 2>/dev/null

NODE=19401 FLEET_EC=19410 FLEET_RSA=19411 UWSGI_EC=19420 UWSGI_RSA=19421
taskset -c 1 "$WORK/uwsgi-node" $NODE & PIDS+=($!)
taskset -c 0 "$FLEETROUTER" --http-workers 1 --http-keepalive --http-to 127.0.0.1:$NODE \
  --https 127.0.0.1:$FLEET_EC,"$WORK/ec.crt","$WORK/ec.key" --https 127.0.0.1:$FLEET_RSA,"$WORK/rsa.crt","$WORK/rsa.key" \
  --http-quiet 1 >"$WORK/fleetrouter.log" 2>&1 & PIDS+=($!)
taskset -c 0 uwsgi --master --plugin http --http-keepalive --http-to 127.0.0.1:$NODE \
  --https 127.0.0.1:$UWSGI_EC,"$WORK/ec.crt","$WORK/ec.key" --https 127.0.0.1:$UWSGI_RSA,"$WORK/rsa.crt","$WORK/rsa.key" \
  --disable-logging >"$WORK/uwsgi.log" 2>&1 & PIDS+=($!)
for p in $NODE $FLEET_EC $FLEET_RSA $UWSGI_EC $UWSGI_RSA; do wait_port $p; done

run_wrk() { # file port mode
  if [ "$3" = handshake ]; then
    # Non-zero when a session was resumed or a connection failed; the counts are in the file.
    taskset -c 1 "$WORK/tls-handshakes" 127.0.0.1 "$2" "$DURATION" 32 >"$WORK/$1.txt" || true
  else
    taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" "https://127.0.0.1:$2/" >"$WORK/$1.txt"
  fi
}

echo "== warm-up"
for p in $FLEET_EC $UWSGI_EC; do taskset -c 1 wrk -t1 -c8 -d1s "https://127.0.0.1:$p/" >/dev/null; done

echo "== tls-handshakes and wrk -t1 -c32, ${DURATION}s each, $ROUNDS alternating rounds"
for r in $(seq 1 "$ROUNDS"); do
  for key in ec rsa; do
    fleet_port=$([ $key = ec ] && echo $FLEET_EC || echo $FLEET_RSA)
    uwsgi_port=$([ $key = ec ] && echo $UWSGI_EC || echo $UWSGI_RSA)
    for mode in handshake keepalive; do
      run_wrk "fleet-$key-$mode-$r" "$fleet_port" $mode
      run_wrk "uwsgi-$key-$mode-$r" "$uwsgi_port" $mode
    done
  done
done

python3 - "$WORK" "$ROUNDS" <<'PY' | tee "$OUT/tls-router-$(date +%Y%m%d-%H%M%S).txt"
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def rps(name):
    text = open(f"{work}/{name}.txt").read()
    handshakes = re.search(r"handshakes/s (\d+)\s+\(full \d+, resumed (\d+), failed (\d+)\)", text)
    if handshakes:
        resumed, failed = int(handshakes.group(2)), int(handshakes.group(3))
        problems = (f"resumed {resumed}" if resumed else "") + (f" failed {failed}" if failed else "")
        return float(handshakes.group(1)), problems.strip()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), errors.group(0) if errors else ""
print(f"{'TLS router':<34}{'median':>10}   rounds")
for key, label in (("ec", "ECDSA P-256"), ("rsa", "RSA 2048")):
    for mode, what in (("handshake", "handshakes/s"), ("keepalive", "keep-alive req/s")):
        med = {}
        for router in ("fleet", "uwsgi"):
            runs = [rps(f"{router}-{key}-{mode}-{r}") for r in range(1, rounds + 1)]
            med[router] = statistics.median(v for v, _ in runs)
            errors = "; ".join(e for _, e in runs if e)
            print(f"  {router + ' ' + label + ' ' + what:<32}{med[router]:>10.0f}   "
                  + " ".join(f"{v:.0f}" for v, _ in runs) + (f"   ({errors})" if errors else ""))
        print(f"ratio {label} {what} fleet/uwsgi = {med['fleet'] / med['uwsgi']:.2f}  (goal >= 1.0)")
print(open(f"{work}/load.txt").read().strip())
PY
