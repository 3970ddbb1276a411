# Sourced by the router benchmarks (http-router.sh, callgrind-router.sh, syscalls-router.sh,
# forkpty.sh), from the package root: a work directory and the started processes (append their
# pids to PIDS) cleaned up on exit, tool checks, and the deployed release build of fleetrouter.
#
# SWIFT=locked-swift and SCRATCH=.build-release choose the compiler wrapper and a separate build
# directory without changing what is built; STOP_GRACE is how long processes get after SIGINT.
SWIFT=${SWIFT:-swift}
SCRATCH_ARGS=()
[ -n "${SCRATCH:-}" ] && SCRATCH_ARGS=(--scratch-path "$SCRATCH")
OUT=Benchmarks/results
mkdir -p "$OUT"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  sleep "${STOP_GRACE:-0.5}"
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# require_tools HINT TOOL...: exits naming the first missing tool and the HINT (what to install).
require_tools() {
  local hint=$1; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool${hint:+ ($hint)}" >&2; exit 1; }
  done
}

# release_bin_path: builds exactly `swift build -c release` and prints its bin directory. A
# failed build fails the caller's assignment (set -e): the binary left from an earlier build
# must never be measured as if it were the current sources. (Inside `$(...)` bash does not
# stop at a failed command by itself, hence the explicit return.)
release_bin_path() {
  local output
  if ! output=$($SWIFT build -c release "${SCRATCH_ARGS[@]}" 2>&1); then
    { grep -E "error:" <<<"$output" || tail -20 <<<"$output"; } >&2
    echo "swift build -c release failed: not measuring the binary of an earlier build" >&2
    return 1
  fi
  $SWIFT build -c release "${SCRATCH_ARGS[@]}" --show-bin-path
}

# start_router LABEL PORT COMMAND...: starts COMMAND (its output in $WORK/LABEL.log), waits for
# PORT, and sets ROUTER_PID and ROUTER_PROCESSES (the process and its children: uWSGI's http
# router is a child of its master).
start_router() {
  local label=$1 port=$2; shift 2
  "$@" >"$WORK/$label.log" 2>&1 &
  ROUTER_PID=$!
  PIDS+=($ROUTER_PID)
  wait_port "$port"
  sleep 1  # uWSGI forks its http router after the port opens
  ROUTER_PROCESSES="$ROUTER_PID $(pgrep -P "$ROUTER_PID" || true)"
}

# ports_free PORT...: exits naming the first port (TCP or UDP) something already listens on,
# and what: a router left from an earlier run would make the one started here fail to bind
# (it then exits, and its own port "never opens") or answer in its place.
ports_free() {
  local port holder
  for port in "$@"; do
    holder=$(ss -ltunpH "sport = :$port" 2>/dev/null | head -1)
    if [ -n "$holder" ]; then
      echo "port $port is already in use, so the benchmark cannot start its routers there: $holder" >&2
      exit 1
    fi
  done
}

# wait_port PORT: waits (up to 30 s) until 127.0.0.1:PORT accepts a connection.
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 never opened" >&2
  exit 1
}

# median: the median of the numbers on standard input (spaces or newlines between them).
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
