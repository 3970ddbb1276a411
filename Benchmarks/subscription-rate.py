#!/usr/bin/env python3
"""Subscription server throughput for Benchmarks/http-router.sh and subscriptions.sh.

Runs the C blaster (pinned to core 1) against 127.0.0.1:PORT for SECONDS seconds, then waits
until the router has drained its socket. Datagrams the kernel dropped at the router's socket
(its receive queue was full: the router was the bottleneck) come from /proc/net/udp, so the
count works for any router without its cooperation:

    processed = sent - drops;  packets/s = processed / (drained - started)

With METRICS (fleetrouter's admin `/metrics` URL), the count is what the subscription table
took instead: the change in received minus rejected datagrams there, read after the drain.

    subscription-rate.py BLASTER PORT SECONDS NODES [METRICS]
        ->  prints "sent processed drops pps"

`report WORK ROUNDS` prints the rounds WORK/sub-{fleet,uwsgi}-N.txt hold, the medians and the
fleet/uWSGI ratio.
"""
import statistics
import subprocess
import sys
import time
import urllib.request


def socket_state(port):
    """(rx_queue bytes, drops) of the UDP socket bound to 127.0.0.1:port."""
    wanted = "0100007F:%04X" % port
    with open("/proc/net/udp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[1] == wanted:
                return int(fields[4].split(":")[1], 16), int(fields[12])
    raise SystemExit(f"no UDP socket on 127.0.0.1:{port}")


def taken(metrics):
    """Datagrams fleetrouter's subscription servers took: received minus rejected, all routers."""
    totals = {"received": 0, "rejected": 0}
    for line in urllib.request.urlopen(metrics, timeout=10).read().decode().splitlines():
        for kind in totals:
            if line.startswith(f"fleetrouter_subscription_datagrams_{kind}_total"):
                totals[kind] += int(float(line.split()[-1]))
    return totals["received"] - totals["rejected"]


def report(work, rounds):
    print(f"{'subscription server':<22}{'packets/s':>12}   rounds: packets/s (sent/processed/dropped at the socket)")
    sub = {}
    for n in ("fleet", "uwsgi"):
        rows = [open(f"{work}/sub-{n}-{r}.txt").read().split() for r in range(1, rounds + 1)]
        sub[n] = statistics.median(float(row[3]) for row in rows)
        print(f"  {n:<20}{sub[n]:>12.0f}   " + "  ".join(f"{row[3]} ({row[0]}/{row[1]}/{row[2]})" for row in rows))
    print(f"ratio packets/s fleet/uwsgi = {sub['fleet'] / sub['uwsgi']:.2f}  (target >= 1.50)")


def main():
    if sys.argv[1] == "report":
        report(sys.argv[2], int(sys.argv[3]))
        return
    blaster, port, seconds, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    metrics = sys.argv[5] if len(sys.argv) > 5 else None
    taken_before = taken(metrics) if metrics else 0
    _, drops_before = socket_state(port)
    started = time.monotonic()
    sent = int(subprocess.run(["taskset", "-c", "1", blaster, str(port), seconds, nodes],
                              check=True, capture_output=True, text=True).stdout)
    drained = time.monotonic()
    for _ in range(2000):  # at most 10 s
        queued, _ = socket_state(port)
        if queued == 0:
            break
        time.sleep(0.005)
        drained = time.monotonic()
    _, drops_after = socket_state(port)
    drops = drops_after - drops_before
    processed = sent - drops
    if metrics:  # the last batch read may still be in the table's hands: until two reads agree
        now_taken = taken(metrics)
        for _ in range(100):
            time.sleep(0.01)
            again = taken(metrics)
            if again == now_taken:
                break
            now_taken = again
        processed = now_taken - taken_before
    print(sent, processed, drops, round(processed / (drained - started)))


main()
