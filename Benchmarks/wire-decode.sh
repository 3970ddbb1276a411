#!/usr/bin/env bash
# Throughput of the uwsgi packet decoder and the HTTP head → uwsgi packet writer (release build).
# Usage: Benchmarks/wire-decode.sh [iterations]   (default 2,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
swift run -c release WireBench "$@"
