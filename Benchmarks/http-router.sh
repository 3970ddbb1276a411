#!/usr/bin/env bash
# Router benchmark (issues 3, 10): the release `fleetrouter` binary, started with uWSGI's
# options once per data-plane transport (TRANSPORTS, default "uring epoll nio"), against uWSGI
# 2.0.21's http router, rawrouter and subscription server; same C node, alternating rounds,
# routers on core 0, node + load generators on core 1. Prints req/s, p50, p99, core-0 busy %,
# raw MB/s, subscription packets/s and the ratios (medians), plus the CPU each fleetrouter
# thread used during the HTTP rounds. The raw part also runs a minimal C proxy
# (Benchmarks/splice-proxy.c) on the routers' core twice, splicing through 256 KiB pipes and
# copying through a 1 MiB buffer, as fleetrouter's lean loops do before and after a way turns
# bulk: what each reaches alone on this placement.
# The HTTP part likewise runs a minimal C io_uring proxy (Benchmarks/uring-proxy.c: what the uring
# transport does per request and nothing else) in the same rounds, with one worker: the ceiling
# of this design on this machine, next to which fleetrouter's own cost shows.
#
#   Benchmarks/http-router.sh [ROUNDS=3] [SECONDS=5]
#
# FLEET_ARGS adds options to every fleetrouter started (e.g. FLEET_ARGS=--http-nolinger).
# WORKERS=N runs N HTTP workers (fleetrouter --http-workers, uWSGI --http-processes) and wrk
# with N threads; ROUTER_CPUS and CLIENT_CPUS (default 0 and 1) are the cores the routers and
# the node + load generators are pinned to. HTTP_ONLY=1 skips the raw and subscription parts.
#
# The build is the deployed one, exactly `swift build -c release` (the speed flags live in
# Package.swift). SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and
# a separate build directory without changing what is built.
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSPORTS=${TRANSPORTS:-uring epoll nio}
read -r -a FLEET_EXTRA <<<"${FLEET_ARGS:-}"
WORKERS=${WORKERS:-1}
ROUTER_CPUS=${ROUTER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
ROUNDS=${1:-3}
DURATION=${2:-5}
source Benchmarks/common.sh

require_tools "apt-get install wrk uwsgi-core iproute2" wrk uwsgi taskset cc python3 ss

echo "== building release fleetrouter"
FLEETROUTER=$(release_bin_path)/fleetrouter
cc -O2 -o "$WORK/uwsgi-node" Benchmarks/uwsgi-node.c
cc -O2 -o "$WORK/blast" Benchmarks/blast.c
cc -O2 -o "$WORK/splice-proxy" Benchmarks/splice-proxy.c
cc -O2 -o "$WORK/uring-proxy" Benchmarks/uring-proxy.c -luring
cc -O2 -o "$WORK/subscribe-blast" Benchmarks/subscribe-blast.c
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >"$WORK/load.txt"

NODE=19301 UWSGI=19303 BLAST=19311 UWSGI_RAW=19313 C_SPLICE=19314 C_URING=19315 C_COPY=19316
FLEET_SUB_HTTP=19322 FLEET_SUB=19323 FLEET_SUB_ADMIN=19324 UWSGI_SUB_HTTP=19332 UWSGI_SUB=19333
SUB_NODES=1000 SUB_SECONDS=2
ports_free $NODE $UWSGI $BLAST $UWSGI_RAW $C_SPLICE $C_URING $C_COPY $FLEET_SUB_HTTP $FLEET_SUB $FLEET_SUB_ADMIN \
  $UWSGI_SUB_HTTP $UWSGI_SUB $(seq 19340 19349) $(seq 19350 19359)

taskset -c "$CLIENT_CPUS" "$WORK/uwsgi-node" $NODE & PIDS+=($!)
taskset -c "$CLIENT_CPUS" "$WORK/blast" serve $BLAST 1024 & PIDS+=($!)
# One fleetrouter per transport: HTTP on 1934N, raw on 1935N. Logs go to a file; the hot path
# logs nothing on success.
declare -A FLEET_PORT FLEET_RAW_PORT FLEET_PID
n=0
for t in $TRANSPORTS; do
  FLEET_PORT[$t]=$((19340 + n)); FLEET_RAW_PORT[$t]=$((19350 + n)); n=$((n + 1))
  taskset -c "$ROUTER_CPUS" "$FLEETROUTER" --data-plane "$t" --http 127.0.0.1:${FLEET_PORT[$t]} --http-workers "$WORKERS" --http-keepalive \
    --http-to 127.0.0.1:$NODE --rawrouter 127.0.0.1:${FLEET_RAW_PORT[$t]} --rawrouter-to 127.0.0.1:$BLAST "${FLEET_EXTRA[@]}" \
    >"$WORK/fleetrouter-$t.log" 2>&1 & PIDS+=($!)
  FLEET_PID[$t]=$!
done
taskset -c "$ROUTER_CPUS" uwsgi --master --plugin http --http 127.0.0.1:$UWSGI --http-keepalive --http-processes "$WORKERS" \
  --http-to 127.0.0.1:$NODE --disable-logging >"$WORK/uwsgi.log" 2>&1 & PIDS+=($!)
taskset -c "$ROUTER_CPUS" uwsgi --master --plugin rawrouter --rawrouter 127.0.0.1:$UWSGI_RAW \
  --rawrouter-to 127.0.0.1:$BLAST >"$WORK/uwsgi-raw.log" 2>&1 & PIDS+=($!)
# Splicing alone on this core placement: a minimal single-threaded C splice proxy, 256 KiB pipes.
taskset -c "$ROUTER_CPUS" "$WORK/splice-proxy" $C_SPLICE $BLAST splice 262144 >/dev/null 2>&1 & PIDS+=($!)
taskset -c "$ROUTER_CPUS" "$WORK/splice-proxy" $C_COPY $BLAST copy 1048576 >/dev/null 2>&1 & PIDS+=($!)
# The HTTP ceiling of the io_uring design (single-threaded, so with one worker only).
CEILING=""
if [ "$WORKERS" = 1 ]; then
  taskset -c "$ROUTER_CPUS" "$WORK/uring-proxy" $C_URING $NODE >/dev/null 2>&1 & PIDS+=($!)
  CEILING=c-uring
  wait_port $C_URING
fi
for p in $NODE $BLAST $UWSGI $UWSGI_RAW $C_SPLICE $C_COPY "${FLEET_PORT[@]}" "${FLEET_RAW_PORT[@]}"; do wait_port $p; done

cpu0() { awk '/^cpu0 /{print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; }

run_wrk() { # name port round
  local before after
  before=$(cpu0)
  taskset -c "$CLIENT_CPUS" wrk -t"$WORKERS" -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$2/" >"$WORK/wrk-$1-$3.txt"
  after=$(cpu0)
  echo "$before $after" >"$WORK/cpu-$1-$3.txt"
}

echo "== warm-up"
for t in $TRANSPORTS; do taskset -c "$CLIENT_CPUS" wrk -t1 -c32 -d1s "http://127.0.0.1:${FLEET_PORT[$t]}/" >/dev/null; done
taskset -c "$CLIENT_CPUS" wrk -t1 -c32 -d1s "http://127.0.0.1:$UWSGI/" >/dev/null
if [ -n "$CEILING" ]; then taskset -c "$CLIENT_CPUS" wrk -t1 -c32 -d1s "http://127.0.0.1:$C_URING/" >/dev/null; fi

# utime+stime ticks of each fleetrouter thread (of every transport's process), by thread name.
threads_cpu() {
  for t in $TRANSPORTS; do for stat in /proc/"${FLEET_PID[$t]}"/task/*/stat; do
    awk '{ match($0, /\(.*\)/); name = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "_", name);
           rest = substr($0, RSTART + RLENGTH + 1); split(rest, f, " "); print FILENAME, name, f[12] + f[13] }' "$stat" |
      sed "s/ / $t:/"
  done; done
}

echo "== HTTP: wrk -t1 -c32 -d${DURATION}s --latency, $ROUNDS alternating rounds"
threads_cpu >"$WORK/threads-before.txt"
for r in $(seq 1 "$ROUNDS"); do
  for t in $TRANSPORTS; do run_wrk "fleet-$t" "${FLEET_PORT[$t]}" "$r"; done
  run_wrk uwsgi $UWSGI "$r"
  if [ -n "$CEILING" ]; then run_wrk c-uring $C_URING "$r"; fi
done
threads_cpu >"$WORK/threads-after.txt"

if [ -z "${HTTP_ONLY:-}" ]; then
echo "== raw: 1 GiB per transfer, $ROUNDS alternating rounds"
for r in $(seq 1 "$ROUNDS"); do
  targets="direct:$BLAST c-splice:$C_SPLICE c-copy:$C_COPY uwsgi:$UWSGI_RAW"
  for t in $TRANSPORTS; do targets="$targets fleet-$t:${FLEET_RAW_PORT[$t]}"; done
  for target in $targets; do
    taskset -c "$CLIENT_CPUS" "$WORK/blast" fetch "${target#*:}" >"$WORK/raw-${target%%:*}-$r.txt"
  done
done

echo "== subscriptions: $SUB_NODES nodes re-announcing, ${SUB_SECONDS}s blasts, $ROUNDS alternating rounds"
taskset -c "$ROUTER_CPUS" "$FLEETROUTER" --http 127.0.0.1:$FLEET_SUB_HTTP --http-subscription-server 127.0.0.1:$FLEET_SUB \
  --admin 127.0.0.1:$FLEET_SUB_ADMIN >"$WORK/fleetrouter-sub.log" 2>&1 & PIDS+=($!)
taskset -c "$ROUTER_CPUS" uwsgi --master --plugin http --http 127.0.0.1:$UWSGI_SUB_HTTP \
  --http-subscription-server 127.0.0.1:$UWSGI_SUB >"$WORK/uwsgi-sub.log" 2>&1 & PIDS+=($!)
for p in $FLEET_SUB_HTTP $FLEET_SUB_ADMIN $UWSGI_SUB_HTTP; do wait_port $p; done
for port in $FLEET_SUB $UWSGI_SUB; do  # every node known before measuring re-announces
  taskset -c "$CLIENT_CPUS" "$WORK/subscribe-blast" $port 0 $SUB_NODES >/dev/null
done
sleep 1
for r in $(seq 1 "$ROUNDS"); do
  python3 Benchmarks/subscription-rate.py "$WORK/subscribe-blast" $FLEET_SUB $SUB_SECONDS $SUB_NODES \
    http://127.0.0.1:$FLEET_SUB_ADMIN/metrics >"$WORK/sub-fleet-$r.txt"
  python3 Benchmarks/subscription-rate.py "$WORK/subscribe-blast" $UWSGI_SUB $SUB_SECONDS $SUB_NODES >"$WORK/sub-uwsgi-$r.txt"
done
fi

python3 - "$WORK" "$ROUNDS" "$TRANSPORTS" "$WORKERS" "$CEILING" <<'PY' | tee "$OUT/http-router-$(date +%Y%m%d-%H%M%S).txt"
import re, statistics, subprocess, sys
work, rounds, transports = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
print(f"HTTP workers: {sys.argv[4]}")
fleets = [f"fleet-{t}" for t in transports]
ceiling = [sys.argv[5]] if len(sys.argv) > 5 and sys.argv[5] else []
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
res = {n: [wrk(n, r) for r in range(1, rounds + 1)] for n in fleets + ["uwsgi"] + ceiling}
print(f"{'HTTP router':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'core0 %':>9}")
for n in fleets + ["uwsgi"] + ceiling:
    label = {"uwsgi": "uWSGI 2.0.21 http", "c-uring": "C io_uring proxy"}.get(n, f"fleetrouter {n[6:]}")
    for i, (rps, p50, p99, busy, err) in enumerate(res[n], 1):
        print(f"  {label + ' #' + str(i):<22}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{busy:>9.0f}  {err}")
med = {n: [statistics.median(x[k] for x in res[n]) for k in range(4)] for n in res}
for n in fleets + ["uwsgi"] + ceiling:
    rps, p50, p99, busy = med[n]
    print(f"  median {n:<15}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{busy:>9.0f}")
for n in fleets:
    print(f"ratio req/s {n}/uwsgi = {med[n][0] / med['uwsgi'][0]:.2f}  (target >= 1.30)   "
          f"p99 {n}/uwsgi = {med[n][2] / med['uwsgi'][2]:.2f}  (target <= 0.80)")
if ceiling:
    print(f"ratio req/s c-uring/uwsgi = {med['c-uring'][0] / med['uwsgi'][0]:.2f}  (the design's ceiling here)   "
          f"p99 c-uring/uwsgi = {med['c-uring'][2] / med['uwsgi'][2]:.2f}")
    for n in fleets:
        print(f"ratio req/s {n}/c-uring = {med[n][0] / med['c-uring'][0]:.2f}")
import os
if os.path.exists(f"{work}/raw-direct-1.txt"):  # not with HTTP_ONLY
    print()
    print(f"{'raw router, 1 GiB':<22}{'MB/s (median of ' + str(rounds) + ')':>22}")
    raw, rounds_of = {}, {}
    for n in ["direct", "c-splice", "c-copy"] + fleets + ["uwsgi"]:
        vals = [float(open(f"{work}/raw-{n}-{r}.txt").read().split()[0]) for r in range(1, rounds + 1)]
        raw[n], rounds_of[n] = statistics.median(vals), vals
        print(f"  {n:<20}{raw[n]:>22.0f}   rounds: {' '.join(f'{v:.0f}' for v in vals)}")
    for n in fleets:
        print(f"ratio MB/s {n}/uwsgi = {raw[n] / raw['uwsgi']:.2f}, {n}/direct = {raw[n] / raw['direct']:.2f}, "
              f"{n}/c-splice = {raw[n] / raw['c-splice']:.2f}, {n}/c-copy = {raw[n] / raw['c-copy']:.2f}")
    print(f"ratio MB/s c-splice/direct = {raw['c-splice'] / raw['direct']:.2f} (splicing alone, 256 KiB pipes), "
          f"c-copy/direct = {raw['c-copy'] / raw['direct']:.2f} (copying alone, 1 MiB): "
          "direct runs both ends on one core, a proxied transfer crosses cores twice")
    # Each round's transfers run back to back: the median of per-round ratios is steadier
    # than the ratio of medians on a machine whose speed drifts between rounds.
    for n in fleets + ["c-splice", "c-copy"]:
        per_round = statistics.median(v / d for v, d in zip(rounds_of[n], rounds_of["direct"]))
        print(f"median of per-round ratios MB/s {n}/direct = {per_round:.2f}")
    print()
    sys.stdout.flush()
    subprocess.run(["python3", "Benchmarks/subscription-rate.py", "report", work, str(rounds)], check=True)
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
