#!/usr/bin/env bash
# Tuntap packets/s between two peers (issue 12): uWSGI 2.0.21's tuntap router against
# fleetrouter's, each in a network namespace of its own with two fleetrouter device peers in
# two more (the same device side for both, so only the router differs). A flood ping from one
# peer to the other (`ping -f -c COUNT`) crosses the router four times per round trip: peer →
# router → kernel → router → peer, and back. Rounds alternate between the two routers.
# Prints packets/s (4 router passes per answered ping) and loss per round, then the medians.
# Needs root, /dev/net/tun and iproute2; every namespace is removed on exit.
#
#   Benchmarks/tuntap.sh [ROUNDS=3] [COUNT=5000]
#
# FLEETROUTER=/path/to/fleetrouter skips the release build (e.g. to measure a debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
COUNT=${2:-5000}
source Benchmarks/common.sh
require_tools "apt-get install uwsgi-core iproute2 iputils-ping" uwsgi ip ping
[ "$(id -u)" = 0 ] || { echo "the tuntap benchmark needs root" >&2; exit 1; }
if [ -z "${FLEETROUTER:-}" ]; then
  echo "== building release fleetrouter"
  FLEETROUTER=$(release_bin_path)/fleetrouter
fi

TAG="ftb$$"
NAMESPACES=()
remove_namespaces() {
  cleanup
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap remove_namespaces EXIT
for set in u f; do
  for role in r a b; do
    ns="$TAG$set$role"
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
done

# wait_device NS DEV: waits (up to 10 s) until DEV exists in NS.
wait_device() {
  for _ in $(seq 100); do ip netns exec "$1" ip link show "$2" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "device $2 never appeared in $1" >&2
  exit 1
}

# start_set SET NETWORK ROUTER-COMMAND...: a router in ${TAG}SETr as NETWORK.1 (device tr0),
# two fleetrouter device peers at .2 and .3, both registered.
start_set() {
  local set=$1 network=$2; shift 2
  ip netns exec "$TAG${set}r" "$@" >"$WORK/$set-router.log" 2>&1 &
  PIDS+=($!)
  wait_device "$TAG${set}r" tr0
  for _ in $(seq 100); do [ -S "$WORK/$set.sock" ] && break; sleep 0.1; done
  ip netns exec "$TAG${set}r" ip addr add "$network.1/24" dev tr0
  ip netns exec "$TAG${set}r" ip link set tr0 up
  ip netns exec "$TAG${set}r" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.tr0.send_redirects=0
  local host=2
  for role in a b; do
    ip netns exec "$TAG$set$role" "$FLEETROUTER" --tuntap-device "tp0 $WORK/$set.sock" >"$WORK/$set-$role.log" 2>&1 &
    PIDS+=($!)
    wait_device "$TAG$set$role" tp0
    ip netns exec "$TAG$set$role" ip addr add "$network.$host/24" dev tp0
    ip netns exec "$TAG$set$role" ip link set tp0 up
    ip netns exec "$TAG$set$role" ping -c 1 -W 2 "$network.1" >/dev/null
    host=$((host + 1))
  done
}

start_set u 10.91.0 uwsgi --plugin tuntap --master --die-on-term --tuntap-router "tr0 $WORK/u.sock"
start_set f 10.92.0 "$FLEETROUTER" --tuntap-router "tr0 $WORK/f.sock"

declare -A RATES
echo "== $COUNT flood pings per round, $ROUNDS rounds (router packets/s = 4 × answered / time)"
for round in $(seq "$ROUNDS"); do
  for set in u f; do
    network=10.91.0; router=uwsgi
    [ "$set" = f ] && { network=10.92.0; router=fleetrouter; }
    summary=$(ip netns exec "$TAG${set}a" ping -f -q -c "$COUNT" -W 1 "$network.3" | grep 'packets transmitted')
    received=$(echo "$summary" | sed -E 's/.* ([0-9]+) received.*/\1/')
    loss=$(echo "$summary" | sed -E 's/.* ([0-9.]+)% packet loss.*/\1/')
    ms=$(echo "$summary" | sed -E 's/.*time ([0-9]+)ms.*/\1/')
    rate=$(python3 -c "print(f'{4 * $received / ($ms / 1000):.0f}')")
    printf "round %d %-12s %8s packets/s  loss %5s%%\n" "$round" "$router" "$rate" "$loss"
    RATES[$router]="${RATES[$router]:-} $rate"
  done
done
U=$(echo "${RATES[uwsgi]}" | median)
F=$(echo "${RATES[fleetrouter]}" | median)
echo "median: uwsgi $U packets/s, fleetrouter $F packets/s, ratio $(python3 -c "print(f'{$F/$U:.2f}')")"
