#!/usr/bin/env bash
# The whole test suite under ThreadSanitizer or AddressSanitizer (with LeakSanitizer).
#
# Usage: Tests/Sanitizers/run.sh thread|address [swift test options, e.g. --filter PollingTests]
#
# Environment:
#   SWIFT   the swift command for the build (default: swift; words are split, so a wrapper such
#           as "flock /tmp/lock swift" works); the tests themselves run with plain `swift test`
#   CI      true: a missing tool (uwsgi, tmux) fails its tests instead of skipping them
#
# Sets FLEETTOP_SANITIZER to the sanitizer, so the few tests whose assertion is a wall-clock
# bound scale it (RouterCoreTesting's `Slowdown`); every other test waits for conditions.
#
# Builds into .build-tsan or .build-asan (apart from .build, so the plain build stays
# incremental), then runs the tests with this folder's suppression file for the sanitizer.
# The child processes the tests start (fleettop in tmux, fleetrouter in the interop tests)
# are instrumented too and inherit the environment, so the same suppressions reach them.
# Every entry in a suppression file says why its report is not a defect of this package.
set -euo pipefail
cd "$(dirname "$0")/../.."

sanitizer=${1:-}
shift || true
here=$PWD/Tests/Sanitizers
case "$sanitizer" in
    thread)
        scratch=.build-tsan
        export TSAN_OPTIONS="suppressions=$here/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
        ;;
    address)
        scratch=.build-asan
        export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        export ASAN_OPTIONS="suppressions=$here/asan.supp${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
        ;;
    *)
        echo "usage: $0 thread|address [swift test options]" >&2
        exit 2
        ;;
esac
export FLEETTOP_SANITIZER=$sanitizer
read -r -a SWIFT <<<"${SWIFT:-swift}"

"${SWIFT[@]}" build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
exec swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" "$@"
