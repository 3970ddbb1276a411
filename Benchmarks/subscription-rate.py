#!/usr/bin/env python3
"""Subscription server throughput for Benchmarks/http-router.sh and subscriptions.sh.

Runs the C blaster (pinned to core 1) against 127.0.0.1:PORT for SECONDS seconds, then waits
until the router has drained its socket. Datagrams the kernel dropped at the router's socket
(its receive queue was full: the router was the bottleneck) come from /proc/net/udp, so the
count works for any router without its cooperation:

    processed = sent - drops;  packets/s = processed / (drained - started)

The blaster sends as fast as the kernel lets one core send, as UDP GSO sends of 64 packets
(each still arrives as its own datagram; `subscribe-blast … gso`), which outpaces both routers;
with SEND_GSO=0 it uses sendmmsg, whose rate neither router drops more than a few per mille of
on a fast core, so that packets/s measures the sender as much as the router. The router's own
cost is measured too: the CPU time (user + system, every thread) of the processes
holding the socket, from /proc/PID/stat over the blast and the drain, gives packets per
CPU-second, the rate the router could take with a core to itself.

With METRICS (fleetrouter's admin `/metrics` URL), the count is what the subscription table
took instead: the change in received minus rejected datagrams there, read after the drain.

    subscription-rate.py BLASTER PORT SECONDS NODES [METRICS]
        ->  prints "sent processed drops pps cpu_seconds"

`report WORK ROUNDS` prints the rounds WORK/sub-{fleet,uwsgi}-N.txt hold, the medians and the
fleet/uWSGI ratio.
"""
import os
import statistics
import subprocess
import sys
import time
import urllib.request


def udp_row(port):
    """The /proc/net/udp fields of the UDP socket bound to 127.0.0.1:port."""
    wanted = "0100007F:%04X" % port
    with open("/proc/net/udp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[1] == wanted:
                return fields
    raise SystemExit(f"no UDP socket on 127.0.0.1:{port}")


def socket_state(port):
    """(rx_queue bytes, drops) of the UDP socket bound to 127.0.0.1:port."""
    fields = udp_row(port)
    return int(fields[4].split(":")[1], 16), int(fields[12])


def socket_inode(port):
    """The inode of the UDP socket bound to 127.0.0.1:port."""
    return udp_row(port)[9]


def holders(inode):
    """The processes with the socket open (uWSGI's master may hold it beside its router)."""
    target = f"socket:[{inode}]"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target for fd in os.listdir(f"/proc/{pid}/fd")):
                found.append(pid)
        except OSError:
            continue
    return found


def cpu_seconds(pids):
    """User plus system CPU seconds of `pids`, all their threads."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


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
    per_cpu = {}
    for n in ("fleet", "uwsgi"):
        rows = [open(f"{work}/sub-{n}-{r}.txt").read().split() for r in range(1, rounds + 1)]
        sub[n] = statistics.median(float(row[3]) for row in rows)
        print(f"  {n:<20}{sub[n]:>12.0f}   " + "  ".join(f"{row[3]} ({row[0]}/{row[1]}/{row[2]})" for row in rows))
        per_cpu[n] = [int(row[1]) / float(row[4]) for row in rows if float(row[4]) > 0]
    print(f"ratio packets/s fleet/uwsgi = {sub['fleet'] / sub['uwsgi']:.2f}  (target >= 1.50)")
    print(f"{'router CPU':<22}{'packets/CPU-s':>12}   rounds (processed per CPU-second of the socket's processes)")
    for n in ("fleet", "uwsgi"):
        print(f"  {n:<20}{statistics.median(per_cpu[n]):>12.0f}   " + "  ".join(f"{v:.0f}" for v in per_cpu[n]))
    print(f"ratio packets/CPU-s fleet/uwsgi = {statistics.median(per_cpu['fleet']) / statistics.median(per_cpu['uwsgi']):.2f}")


def main():
    if sys.argv[1] == "report":
        report(sys.argv[2], int(sys.argv[3]))
        return
    blaster, port, seconds, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    metrics = sys.argv[5] if len(sys.argv) > 5 else None
    taken_before = taken(metrics) if metrics else 0
    pids = holders(socket_inode(port))
    cpu_before = cpu_seconds(pids)
    _, drops_before = socket_state(port)
    started = time.monotonic()
    mode = [] if os.environ.get("SEND_GSO", "1") == "0" else ["sub.bench", "0", "gso"]
    sent = int(subprocess.run(["taskset", "-c", "1", blaster, str(port), seconds, nodes] + mode,
                              check=True, capture_output=True, text=True).stdout)
    drained = time.monotonic()
    for _ in range(2000):  # at most 10 s
        queued, _ = socket_state(port)
        if queued == 0:
            break
        time.sleep(0.005)
        drained = time.monotonic()
    _, drops_after = socket_state(port)
    cpu = cpu_seconds(pids) - cpu_before
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
    print(sent, processed, drops, round(processed / (drained - started)), round(cpu, 3))


main()
