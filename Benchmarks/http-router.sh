#!/usr/bin/env bash
# Router benchmark (issue 3): the release `fleetrouter` binary, started with uWSGI's options,
# against uWSGI 2.0.21's http router, rawrouter and subscription server; same C node,
# alternating rounds, routers on core 0, node + load generators on core 1. Prints req/s, p50,
# p99, core-0 busy %, raw MB/s, subscription packets/s and the ratios (medians), plus the CPU
# each fleetrouter thread used during the HTTP rounds (the data plane is one event loop).
#
#   Benchmarks/http-router.sh [ROUNDS=3] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
# How fleetrouter is built for deployment: no dynamic exclusivity checks in any module (NIO's
# cost ~14k instructions per request), the Swift runtime linked statically (no PLT calls and
# no __tls_get_addr for its thread-local state). RELEASE_FLAGS="" builds plainly.
RELEASE_FLAGS=${RELEASE_FLAGS---static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked}
ROUNDS=${1:-3}
DURATION=${2:-5}
OUT=Benchmarks/results
mkdir -p "$OUT"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk uwsgi taskset cc python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk uwsgi-core)" >&2; exit 1; }
done

echo "== building release fleetrouter"
swift build -c release --product fleetrouter $RELEASE_FLAGS >/dev/null
FLEETROUTER=$(swift build -c release $RELEASE_FLAGS --show-bin-path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -o "$WORK/blast" Benchmarks/blast.c
cc -O2 -o "$WORK/subscribe-blast" Benchmarks/subscribe-blast.c
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >"$WORK/load.txt"

NODE=19301 FLEET=19302 UWSGI=19303 BLAST=19311 FLEET_RAW=19312 UWSGI_RAW=19313
FLEET_SUB_HTTP=19322 FLEET_SUB=19323 UWSGI_SUB_HTTP=19332 UWSGI_SUB=19333
SUB_NODES=1000 SUB_SECONDS=2

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 never opened" >&2
  exit 1
}

taskset -c 1 "$WORK/uwsgi-node" $NODE & PIDS+=($!)
taskset -c 1 "$WORK/blast" serve $BLAST 1024 & PIDS+=($!)
# Logs go to a file; the hot path logs nothing on success.
taskset -c 0 "$FLEETROUTER" --http 127.0.0.1:$FLEET --http-workers 1 --http-keepalive \
  --http-to 127.0.0.1:$NODE --rawrouter 127.0.0.1:$FLEET_RAW --rawrouter-to 127.0.0.1:$BLAST \
  >"$WORK/fleetrouter.log" 2>&1 & PIDS+=($!)
FLEET_PID=$!
taskset -c 0 uwsgi --master --plugin http --http 127.0.0.1:$UWSGI --http-keepalive \
  --http-to 127.0.0.1:$NODE --disable-logging >"$WORK/uwsgi.log" 2>&1 & PIDS+=($!)
taskset -c 0 uwsgi --master --plugin rawrouter --rawrouter 127.0.0.1:$UWSGI_RAW \
  --rawrouter-to 127.0.0.1:$BLAST >"$WORK/uwsgi-raw.log" 2>&1 & PIDS+=($!)
for p in $NODE $BLAST $FLEET $UWSGI $FLEET_RAW $UWSGI_RAW; do wait_port $p; done

cpu0() { awk '/^cpu0 /{print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; }

run_wrk() { # name port round
  local before after
  before=$(cpu0)
  taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$2/" >"$WORK/wrk-$1-$3.txt"
  after=$(cpu0)
  echo "$before $after" >"$WORK/cpu-$1-$3.txt"
}

echo "== warm-up"
taskset -c 1 wrk -t1 -c32 -d1s "http://127.0.0.1:$FLEET/" >/dev/null
taskset -c 1 wrk -t1 -c32 -d1s "http://127.0.0.1:$UWSGI/" >/dev/null

# utime+stime ticks of each fleetrouter thread, by thread name.
threads_cpu() {
  for stat in /proc/"$FLEET_PID"/task/*/stat; do
    awk '{ match($0, /\(.*\)/); name = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "_", name);
           rest = substr($0, RSTART + RLENGTH + 1); split(rest, f, " "); print FILENAME, name, f[12] + f[13] }' "$stat"
  done
}

echo "== HTTP: wrk -t1 -c32 -d${DURATION}s --latency, $ROUNDS alternating rounds"
threads_cpu >"$WORK/threads-before.txt"
for r in $(seq 1 "$ROUNDS"); do
  run_wrk fleet $FLEET "$r"
  run_wrk uwsgi $UWSGI "$r"
done
threads_cpu >"$WORK/threads-after.txt"

echo "== raw: 1 GiB per transfer, $ROUNDS alternating rounds"
for r in $(seq 1 "$ROUNDS"); do
  for target in direct:$BLAST fleet:$FLEET_RAW uwsgi:$UWSGI_RAW; do
    taskset -c 1 "$WORK/blast" fetch "${target#*:}" >"$WORK/raw-${target%%:*}-$r.txt"
  done
done

echo "== subscriptions: $SUB_NODES nodes re-announcing, ${SUB_SECONDS}s blasts, $ROUNDS alternating rounds"
taskset -c 0 "$FLEETROUTER" --http 127.0.0.1:$FLEET_SUB_HTTP --http-subscription-server 127.0.0.1:$FLEET_SUB \
  >"$WORK/fleetrouter-sub.log" 2>&1 & PIDS+=($!)
taskset -c 0 uwsgi --master --plugin http --http 127.0.0.1:$UWSGI_SUB_HTTP \
  --http-subscription-server 127.0.0.1:$UWSGI_SUB >"$WORK/uwsgi-sub.log" 2>&1 & PIDS+=($!)
for p in $FLEET_SUB_HTTP $UWSGI_SUB_HTTP; do wait_port $p; done
for port in $FLEET_SUB $UWSGI_SUB; do  # every node known before measuring re-announces
  taskset -c 1 "$WORK/subscribe-blast" $port 0 $SUB_NODES >/dev/null
done
sleep 1
for r in $(seq 1 "$ROUNDS"); do
  python3 Benchmarks/subscription-rate.py "$WORK/subscribe-blast" $FLEET_SUB $SUB_SECONDS $SUB_NODES >"$WORK/sub-fleet-$r.txt"
  python3 Benchmarks/subscription-rate.py "$WORK/subscribe-blast" $UWSGI_SUB $SUB_SECONDS $SUB_NODES >"$WORK/sub-uwsgi-$r.txt"
done

python3 - "$WORK" "$ROUNDS" <<'PY' | tee "$OUT/http-router-$(date +%Y%m%d-%H%M%S).txt"
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
def wrk(name, r):
    text = open(f"{work}/wrk-{name}-{r}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
    b, bi, a, ai = map(float, open(f"{work}/cpu-{name}-{r}.txt").read().split())
    busy = 100 * (a - b) / max(1, (a - b) + (ai - bi))
    return rps, p50, p99, busy, errors.group(0) if errors else ""
res = {n: [wrk(n, r) for r in range(1, rounds + 1)] for n in ("fleet", "uwsgi")}
print(f"{'HTTP router':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'core0 %':>9}")
for n, label in (("fleet", "fleetrouter (NIO)"), ("uwsgi", "uWSGI 2.0.21 http")):
    for i, (rps, p50, p99, busy, err) in enumerate(res[n], 1):
        print(f"  {label + ' #' + str(i):<20}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{busy:>9.0f}  {err}")
med = {n: [statistics.median(x[k] for x in res[n]) for k in range(4)] for n in res}
for n in ("fleet", "uwsgi"):
    rps, p50, p99, busy = med[n]
    print(f"  median {n:<13}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{busy:>9.0f}")
print(f"ratio req/s fleet/uwsgi = {med['fleet'][0] / med['uwsgi'][0]:.2f}  (target >= 0.80)")
print(f"ratio p99   fleet/uwsgi = {med['fleet'][2] / med['uwsgi'][2]:.2f}  (target <= 1.30)")
print()
print(f"{'raw router, 1 GiB':<22}{'MB/s (median of ' + str(rounds) + ')':>22}")
raw = {}
for n in ("direct", "fleet", "uwsgi"):
    vals = [float(open(f"{work}/raw-{n}-{r}.txt").read().split()[0]) for r in range(1, rounds + 1)]
    raw[n] = statistics.median(vals)
    print(f"  {n:<20}{raw[n]:>22.0f}   rounds: {' '.join(f'{v:.0f}' for v in vals)}")
print(f"ratio MB/s fleet/uwsgi = {raw['fleet'] / raw['uwsgi']:.2f}, fleet/direct = {raw['fleet'] / raw['direct']:.2f}")
print()
print(f"{'subscription server':<22}{'packets/s':>12}   rounds (sent/processed/dropped)")
sub = {}
for n in ("fleet", "uwsgi"):
    rows = [open(f"{work}/sub-{n}-{r}.txt").read().split() for r in range(1, rounds + 1)]
    sub[n] = statistics.median(float(row[3]) for row in rows)
    print(f"  {n:<20}{sub[n]:>12.0f}   " + "  ".join(f"{row[3]} ({row[0]}/{row[1]}/{row[2]})" for row in rows))
print(f"ratio packets/s fleet/uwsgi = {sub['fleet'] / sub['uwsgi']:.2f}")
print()
before = {f: (name, int(t)) for f, name, t in (l.split() for l in open(f"{work}/threads-before.txt"))}
after = [(f, name, int(t)) for f, name, t in (l.split() for l in open(f"{work}/threads-after.txt"))]
used = sorted(((t - before.get(f, (name, 0))[1], name) for f, name, t in after), reverse=True)
total = max(1, sum(u for u, _ in used))
print("fleetrouter threads during the HTTP rounds (CPU ticks, share):")
for u, name in used[:5]:
    print(f"  {name:<24}{u:>8}  {100 * u / total:5.1f} %")
print(open(f"{work}/load.txt").read().strip())
PY
