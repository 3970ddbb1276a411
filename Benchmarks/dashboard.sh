#!/usr/bin/env bash
# Dashboard frame cost on a synthetic fleet of 1,000 routers × 20 nodes: reducer (new snapshot +
# tick) + render into a 200×60 Buffer, and the diff against the previous frame; p50/p99 over
# 300 frames for the Fleet screen and a Router screen (release build).
# Usage: Benchmarks/dashboard.sh [frames]   (default 300)
#
# TODO: polling CPU of 1,000 local stats servers at 1 Hz (target < 10 % of one core), once
# FleetClient's NIO poller is linked in: start 1,000 loopback stats servers, run the poller for
# 60 s, read the process's CPU time from getrusage.
set -euo pipefail
cd "$(dirname "$0")/.."
swift run -c release DashboardBench "$@"
