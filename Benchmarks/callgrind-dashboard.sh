#!/usr/bin/env bash
# Instructions per dashboard render (callgrind), stable on a noisy machine: DashboardBench runs
# FRAMES poll frames and FRAMES key frames per screen under callgrind (release build, debug info
# stripped: valgrind 3.19 cannot read the DWARF 5 Swift emits). Prints the inclusive cost per
# call of each screen's render (poll and key frames together: 2×FRAMES+1 calls per screen) and
# the top functions.
#
#   Benchmarks/callgrind-dashboard.sh [FRAMES=20] [TOP=30]
#
# SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and a separate build
# directory without changing what is built (as Benchmarks/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMES=${1:-20}
TOP=${2:-30}
OUT=Benchmarks/results
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for tool in valgrind callgrind_annotate objcopy; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install valgrind)" >&2; exit 1; }
done
SWIFT=${SWIFT:-swift}
SCRATCH_ARGS=()
[ -n "${SCRATCH:-}" ] && SCRATCH_ARGS=(--scratch-path "$SCRATCH")
$SWIFT build -c release "${SCRATCH_ARGS[@]}" --product DashboardBench >/dev/null
objcopy --strip-debug "$($SWIFT build -c release "${SCRATCH_ARGS[@]}" --show-bin-path)/DashboardBench" "$WORK/DashboardBench"
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$WORK/DashboardBench" "$FRAMES" >/dev/null 2>"$WORK/valgrind.log"
CALLS=$((2 * FRAMES + 1))
REPORT="$OUT/callgrind-dashboard-$(date +%Y%m%d-%H%M%S)"
cp "$WORK/callgrind.out" "$REPORT.out"
annotate() { # extra callgrind_annotate options; prints Ir per render call and the demangled function
  callgrind_annotate --threshold=100 "$@" "$WORK/callgrind.out" 2>/dev/null | awk -v n="$CALLS" '
    /^-+$/ { dashes++; next }
    dashes >= 4 && NF >= 3 && $1 ~ /^[0-9,]+$/ {
      ir = $1; gsub(",", "", ir); $1 = ""; $2 = ""
      printf "%11.0f %s\n", ir / n, substr($0, 3) }' |
    swift-demangle --simplified | cut -c1-200
}
{
  echo "frames per screen: $FRAMES poll + $FRAMES key (+1 first render) = $CALLS render calls per screen"
  echo
  echo "== render, inclusive Ir per call"
  annotate --inclusive=yes | grep -E 'static (FleetScreen|RouterScreen)\.render|static DashboardView\.render' | head -5 || true
  echo "   (DashboardView.render counts both screens: divide by 2 for per call)"
  echo
  echo "== inclusive (Ir per fleet-screen render call; includes setup)"
  annotate --inclusive=yes | head -"$TOP" || true
  echo
  echo "== self"
  annotate | head -"$TOP" || true
} | tee "$REPORT.txt"
