#!/usr/bin/env python3
"""Subscription server throughput for Benchmarks/http-router.sh.

Runs the C blaster (pinned to core 1) against 127.0.0.1:PORT for SECONDS seconds, then waits
until the router has drained its socket. Datagrams the kernel dropped at the router's socket
(its receive queue was full: the router was the bottleneck) come from /proc/net/udp, so the
count works for any router without its cooperation:

    processed = sent - drops;  packets/s = processed / (drained - started)

    subscription-rate.py BLASTER PORT SECONDS NODES   ->  prints "sent processed drops pps"
"""
import subprocess
import sys
import time


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


def main():
    blaster, port, seconds, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
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
    print(sent, processed, drops, round(processed / (drained - started)))


main()
