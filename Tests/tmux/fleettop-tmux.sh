#!/usr/bin/env bash
# Drives the real fleettop binary in a detached tmux pane (80x24) through the embedded demo
# fleet (three real routers on loopback, edits through the admin API): the fleet appears, `?` shows help, a drain with confirmation takes effect, cheap mode on one router leaves the other two serving, `q` exits 0 and
# leaves a clean terminal (alternate screen gone, echo and canonical mode back).
#
# Usage: Tests/tmux/fleettop-tmux.sh [path/to/fleettop]   (default: builds and uses the debug binary)
# Exits non-zero on the first failed step, printing the pane. Every wait is bounded.
set -euo pipefail

cd "$(dirname "$0")/../.."
binary="${1:-}"
if [[ -z "$binary" ]]; then
    swift build --product fleettop >/dev/null
    binary="$(swift build --show-bin-path)/fleettop"
fi
[[ -x "$binary" ]] || { echo "fleettop-tmux: no executable at $binary" >&2; exit 2; }
command -v tmux >/dev/null || { echo "fleettop-tmux: tmux is not installed" >&2; exit 2; }

# A private tmux server per run of fleettop, so nothing else running tmux is touched and a
# server still exiting from the previous run is never reused.
runs=0
socket="fleettop-test-$$-$runs"
session="fleettop"
tmux_() { tmux -L "$socket" "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; }
trap cleanup EXIT

attempts=150     # polls of the pane per wait
interval=0.1     # seconds between polls (so at most about 15 s per wait, for a loaded machine)

pane() { tmux_ capture-pane -p -t "$session"; }

fail() {
    echo "fleettop-tmux: FAIL: $*" >&2
    echo "----- pane -----" >&2
    pane >&2 || true
    echo "----------------" >&2
    exit 1
}

# wait_for PATTERN DESCRIPTION: polls the pane until grep -E finds PATTERN.
wait_for() {
    local i
    for ((i = 0; i < attempts; i++)); do
        if pane | grep -Eq -- "$1"; then return 0; fi
        sleep "$interval"
    done
    fail "$2 (no match for /$1/ after $attempts polls)"
}

# wait_for_line LINE_PATTERN PATTERN DESCRIPTION: a line matching LINE_PATTERN also matches PATTERN.
wait_for_line() {
    local i
    for ((i = 0; i < attempts; i++)); do
        if pane | grep -E -- "$1" | grep -Eq -- "$2"; then return 0; fi
        sleep "$interval"
    done
    fail "$3 (no line /$1/ matching /$2/ after $attempts polls)"
}

keys() { tmux_ send-keys -t "$session" "$@"; }

# rate_of NAME: the REQ/S cell of the fleet row NAME (right-aligned under its header).
rate_of() {
    pane | python3 -c '
import sys
name, lines = sys.argv[1], sys.stdin.read().splitlines()
head = next((l for l in lines if "REQ/S" in l), None)
row = next((l for l in lines if l.startswith(name + " ")), None)
if head is None or row is None:
    sys.exit(1)
cells = row[:head.index("REQ/S") + 5].split()
print(cells[-1] if cells else "")
' "$1"
}

# wait_for_rate NAME zero|nonzero DESCRIPTION: polls until the router's REQ/S is (not) 0.
wait_for_rate() {
    local i rate
    for ((i = 0; i < attempts; i++)); do
        rate="$(rate_of "$1" || true)"
        if [[ "$2" == zero && "$rate" =~ ^0(\.0)?$ ]]; then return 0; fi
        if [[ "$2" == nonzero && "$rate" =~ ^[0-9.]+[KM]?$ && ! "$rate" =~ ^0(\.0)?$ ]]; then return 0; fi
        sleep "$interval"
    done
    fail "$3 (REQ/S of $1 was '$rate' after $attempts polls)"
}

# After fleettop exits, the shell prints its status and the terminal modes that matter, then
# waits for input; kill-server hangs up the pane, so nothing outlives the test (a `sleep` would).
start() {
    cleanup
    runs=$((runs + 1))
    socket="fleettop-test-$$-$runs"
    tmux_ new-session -d -s "$session" -x 80 -y 24 \
        "env TERM=xterm-256color LANG=C.UTF-8 '$binary'; echo \"EXIT=\$?\"; stty -a | tr ' ;' '\n\n' | grep -Ex -- '-?(echo|icanon)' | tr '\n' ' '; echo MODES; read -r -t 60 _ || true"
}

# clean_exit HOW: fleettop has exited 0 and the terminal is as it was.
clean_exit() {
    wait_for 'EXIT=0' "$1 exits with status 0"
    wait_for 'MODES' "the shell ran after fleettop"
    pane | grep -Eq -- '(^| )echo ' || fail "echo not restored after $1"
    pane | grep -Eq -- '(^| )icanon ' || fail "canonical mode not restored after $1"
    if pane | grep -q 'demo-http'; then fail "dashboard left on the screen after $1 (alternate screen not restored)"; fi
    echo "ok - $1 leaves a clean terminal"
}

start

wait_for 'demo-http' "the demo fleet appears"
wait_for 'demo-fast' "the fast router of the demo fleet appears"
wait_for 'demo-raw' "the raw router of the demo fleet appears"
wait_for 'demo fleet: 3 routers' "the status line says it is the demo fleet"
echo "ok - demo fleet shown"

keys '?'
wait_for 'Help' "? opens the help overlay"
wait_for 'drain the node' "the help lists the drain key"
keys Escape
wait_for_line 'demo-http' 'http' "Esc closes help"
pane | grep -q 'Help — any key' && fail "help still open after Esc"
echo "ok - help"

# Rows are sorted by name: demo-fast, demo-http, demo-raw. Open demo-http; the selection is on
# its first node. Its address (a random loopback port) is read from the drain's reply.
keys j Enter
wait_for '^127\.0\.0\.1:[0-9]+ ' "Enter opens the router screen with its nodes"
keys d
wait_for 'Drain node' "d asks for confirmation"
keys y
wait_for 'drain 127\.0\.0\.1:[0-9]+ \(ap[pi]\.local\): applied' "the status line reports the drain applied"
node="$(pane | grep -Eo 'drain 127\.0\.0\.1:[0-9]+ \(ap[pi]\.local\): applied' | head -n1 | cut -d' ' -f2)"
wait_for_line "^${node//./\\.} " 'draining|drained' "the next frames show $node draining or drained"
wait_for_line "^${node//./\\.} " 'drained' "$node ends drained (its requests finish)"
echo "ok - drain with confirmation ($node)"

# Cheap mode on one router of the demo's one fleetrouter process: demo-fast stops serving, the
# HTTP and raw routers beside it keep serving (an edit names its router, ?router=).
keys Escape
wait_for_line 'demo-fast' 'fastr' "Esc goes back to the fleet screen"
keys k c
wait_for 'Cheap on for demo-fast only' "c asks to set cheap mode of demo-fast alone"
keys y
wait_for 'demo-fast: cheap on: applied' "the status line reports cheap mode applied"
wait_for_rate demo-fast zero "demo-fast stops serving in cheap mode"
wait_for_rate demo-http nonzero "demo-http still serves while demo-fast is cheap"
wait_for_rate demo-raw nonzero "demo-raw still serves while demo-fast is cheap"
echo "ok - cheap mode on demo-fast alone; demo-http and demo-raw still serve"

keys q
clean_exit "q"

start
wait_for 'demo-http' "the demo fleet appears again"
keys C-c
clean_exit "Ctrl-C"
echo "fleettop-tmux: all checks passed"
