#!/usr/bin/env bash
# libFuzzer + AddressSanitizer runs of every parser that reads untrusted input.
#
# Usage: Benchmarks/fuzz.sh [runs-per-target] [target ...]
#   runs-per-target  inputs per target (default 10,000,000); targets run one at a time.
#   target           any of the names below (default: all).
#
# Environment:
#   SWIFT             the swift command used for the library build (default: swift; words are split,
#                     so a wrapper such as "flock /tmp/lock swift" works)
#   SWIFTC            the compiler command used to link each target (default: swiftc; split likewise)
#   FUZZ_SAMPLE_DIRS  colon-separated extra directories of captured samples to seed corpora with
#                     (Tests/RouterWireTests/Samples is always used)
#   FUZZ_MAX_TIME     seconds after which a target stops early (default: none)
#   FUZZ_SKIP_BUILD   1: run the targets already linked in .build-fuzz/fuzz without building
#
# How it builds. Step 1 compiles the package's library targets with SwiftPM into
# .build-fuzz (release, `--sanitize=fuzzer --sanitize=address`: coverage instrumentation
# and ASan in every Swift module, NIOCore and Yams included). Only library targets are built
# (`--target`), so nothing is linked and no `main` clashes with libFuzzer's. Step 2 links each
# target: `swiftc -sanitize=fuzzer,address -parse-as-library` on the entry file
# Benchmarks/Fuzz/<Target>.swift (it defines `LLVMFuzzerTestOneInput` with @_cdecl), with
# .build-fuzz's module directory, the C module maps SwiftPM used (read from its
# description.json) and the object files of the imported module and everything it depends on.
# The state-file target (OperatorStateFile) compiles Sources/RouterRuntime/State/StateFile*.swift in directly, so
# it decodes exactly as `StateFile.load` without linking the whole runtime.
#
# Corpora are seeded at run time in a temporary directory (captured samples plus a few
# hand-made inputs per target) and deleted afterwards; a crash's input is kept in
# .build-fuzz/artifacts/<target>/ and the script exits non-zero.
#
# Output: one line per target (target, inputs executed, inputs/s, crashes).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-10000000}
shift || true
read -r -a SWIFT <<<"${SWIFT:-swift}"
read -r -a SWIFTC <<<"${SWIFTC:-swiftc}"
SCRATCH=.build-fuzz
ALL_TARGETS="UwsgiPacket SubscriptionPacket HTTPHead ProxyLine ForkptyFrames TuntapFrames StatsStrict StatsLenient StatsDelta AdminRequest FleetFile ThemeFile OperatorStateFile"
TARGETS=${*:-$ALL_TARGETS}

# Module the target imports (its dependency closure is linked) and maximum input length.
module_of() {
    case "$1" in
        FleetFile) echo FleetModel ;;
        ThemeFile) echo Dashboard ;;
        OperatorStateFile) echo RouterCore ;;
        *) echo RouterWire ;;
    esac
}
max_len_of() {
    # Large inputs add little coverage and cost most of the time: uwsgi packets, HTTP heads and
    # frames fail or succeed in their first kilobyte, and a datagram is at most 4096 bytes.
    case "$1" in
        StatsStrict | StatsLenient | StatsDelta) echo 8192 ;;
        SubscriptionPacket) echo 4200 ;;
        ProxyLine) echo 256 ;;
        UwsgiPacket | HTTPHead | OperatorStateFile) echo 2048 ;;
        *) echo 1024 ;;
    esac
}

# SwiftPM's whole-module builds get ASan from --sanitize but not always libFuzzer's coverage
# instrumentation, so it is asked for explicitly (what `-sanitize=fuzzer` means for one file).
# SwiftPM does not rebuild when only these flags change: after changing them, delete $SCRATCH.
COVERAGE=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
echo "== building library targets (release, fuzzer + address sanitizers) into $SCRATCH" >&2
for module in Dashboard RouterCore; do
    "${SWIFT[@]}" build -c release --sanitize=fuzzer --sanitize=address --scratch-path "$SCRATCH" --target "$module" \
        -Xswiftc "-sanitize-coverage=$COVERAGE" >&2
done
fi

BIN=$SCRATCH/release
DESCRIPTION=$BIN/description.json
mkdir -p "$SCRATCH/fuzz"

# Prints, one per line, the compiler flags and object files needed to import and link `module`.
link_inputs() {
    python3 - "$DESCRIPTION" "$1" "$(cd "$BIN" && pwd -P)" <<'EOF'
import glob, json, os, sys
description, module, bin_dir = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(description))
closure = [module] + d["targetDependencyMap"][module]
args = []
for name, command in d["swiftCommands"].items():
    if command.get("moduleName") == module:
        args = command["otherArguments"]
        break
flags = []
i = 0
while i < len(args):
    a = args[i]
    if a == "-Xcc" and i + 1 < len(args) and args[i + 1].startswith("-fmodule-map-file="):
        flags += ["-Xcc", args[i + 1]]
        i += 2
    elif a == "-Xcc" and i + 3 < len(args) and args[i + 1] == "-I":
        flags += ["-Xcc", "-I", "-Xcc", args[i + 3]]
        i += 4
    else:
        i += 1
for f in flags:
    print(f)
for name in closure:
    for o in sorted(glob.glob(os.path.join(bin_dir, name + ".build", "**", "*.o"), recursive=True)):
        print(o)
EOF
}

build_target() {
    local target=$1 module extra=()
    module=$(module_of "$target")
    if [ "$target" = OperatorStateFile ]; then
        extra=(Sources/RouterRuntime/State/StateFile.swift Sources/RouterRuntime/State/StateFileError.swift)
    fi
    local inputs=()
    mapfile -t inputs < <(link_inputs "$module")
    "${SWIFTC[@]}" -sanitize=fuzzer,address -O -parse-as-library -swift-version 6 \
        -module-name "Fuzz$target" -module-cache-path "$SCRATCH/fuzz/ModuleCache" \
        -I "$BIN/Modules" "${inputs[@]}" \
        "Benchmarks/Fuzz/$target.swift" "${extra[@]}" -o "$SCRATCH/fuzz/$target"
}

# Seeds `dir` for `target`: captured samples plus a few hand-made inputs.
seed_corpus() {
    local target=$1 dir=$2
    local sample_dirs=(Tests/RouterWireTests/Samples)
    if [ -n "${FUZZ_SAMPLE_DIRS:-}" ]; then
        IFS=: read -r -a more <<<"$FUZZ_SAMPLE_DIRS"
        sample_dirs+=("${more[@]}")
    fi
    local pattern
    case "$target" in
        UwsgiPacket | SubscriptionPacket | ForkptyFrames | TuntapFrames) pattern='*.bin' ;;
        StatsStrict | StatsLenient) pattern='*.json' ;;
        StatsDelta)
            # Each captured document followed by a delta line that fits most fleetrouter ones.
            local n=0 file
            while IFS= read -r -d '' file; do
                { tr -d '\n' <"$file"; printf '\n{"delta":{"active_sessions":2,"subscriptions":[{"hits":9,"nodes":[{"requests":5,"tx":700},{}]}]}}'; } >"$dir/sample-$n"
                n=$((n + 1))
            done < <(find "${sample_dirs[@]}" -type f -name '*.json' -print0 2>/dev/null)
            pattern= ;;
        ThemeFile) pattern='*.yaml' ; sample_dirs+=(Themes) ;;
        *) pattern= ;;
    esac
    if [ -n "$pattern" ]; then
        local n=0 file
        while IFS= read -r -d '' file; do
            cp "$file" "$dir/sample-$n"
            n=$((n + 1))
        done < <(find "${sample_dirs[@]}" -type f -name "$pattern" -print0 2>/dev/null)
    fi
    python3 - "$target" "$dir" <<'EOF'
import os, struct, sys
target, out = sys.argv[1], sys.argv[2]

def uwsgi(items, m1=0, m2=0):
    body = b"".join(struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v for k, v in items)
    return bytes([m1]) + struct.pack("<H", len(body)) + bytes([m2]) + body

def frame(m1, size, m2, payload=b""):
    return bytes([m1]) + struct.pack("<H", size) + bytes([m2]) + payload

seeds = {
    "UwsgiPacket": [
        uwsgi([(b"REQUEST_METHOD", b"GET"), (b"PATH_INFO", b"/"), (b"HTTP_HOST", b"app.local")]),
        uwsgi([(b"REQUEST_METHOD", b"POST"), (b"CONTENT_LENGTH", b"12"), (b"UWSGI_ROUTER", b"fast")]) + b"hello world!",
        uwsgi([(b"CONTENT_LENGTH", b"9223372036854775807"), (b"HTTP_HOST", b"x")]),
    ],
    "SubscriptionPacket": [
        uwsgi([(b"key", b"app.local"), (b"address", b"127.0.0.1:3031"), (b"modifier1", b"0"), (b"cores", b"2"), (b"load", b"0"), (b"weight", b"1")]),
        uwsgi([(b"key", b"app.local"), (b"address", b"/tmp/node.sock"), (b"unix", b"1700000000"), (b"sign", b"x" * 64)], m2=1),
    ],
    "HTTPHead": [
        b"GET / HTTP/1.1\r\nHost: app.local\r\n\r\n",
        b"POST /a/b?c=d HTTP/1.1\r\nHost: app.local:8080\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\nCookie: a\r\nCookie: b\r\n\r\nhello",
        b"GET /%2e%2e/x HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    "ProxyLine": [
        b"PROXY TCP4 192.0.2.1 198.51.100.2 40000 8080\r\nGET / HTTP/1.1\r\n\r\n",
        b"PROXY TCP6 2001:db8::1 ::1 40000 443\r\n",
        b"PROXY UNKNOWN\r\n",
    ],
    "ForkptyFrames": [
        frame(0, 5, 0, b"ls -l") + frame(0, 24, 100) + frame(0, 80, 101) + frame(0, 0, 9),
    ],
    "TuntapFrames": [
        frame(0, 20, 0, bytes(range(20))) + frame(0, 0, 1),
    ],
    "AdminRequest": [
        b"GET\n/v1/state\n",
        b"GET\n/metrics?key=app.local\n",
        b'POST\n/v1/nodes/drain\n{"key":"app.local","node":"127.0.0.1:3031"}',
        b'POST\n/v1/nodes/weight\n{"key":"app.local","node":"127.0.0.1:3031","weight":3}',
        b'POST\n/v1/cheap\n{"mode":"on"}',
        b'DELETE\n/v1/static\n{"address":"127.0.0.1:3031"}',
        b'{"ok":true,"operation":"drain","message":"drained"}',
    ],
    "FleetFile": [
        b"interval: 0.5\ntoken_file: /etc/fleettop/token\nrouters:\n  - name: edge-1\n    stats: 127.0.0.1:9191\n    admin: 127.0.0.1:9292\n    tags: [edge, eu]\n  - stats: \"@fast\"\n",
        b"routers:\n  - name: legacy\n    stats: http://127.0.0.1:19191/\n    subscription_server: 127.0.0.1:17070\n",
    ],
    "ThemeFile": [
        b"name: fuzz\ninherits: default\nroles:\n  header: {fg: yellow, bg: blue, attrs: [bold]}\n  selected: {fg: \"#ff8800\", attrs: [reverse]}\n",
    ],
    "OperatorStateFile": [
        b'{"fast":{"cheap_mode":"on","nodes":[{"key":"app.local","address":"127.0.0.1:3031","drain":true,"weight":3}]}}',
        b'{"http":{"cheap_mode":"auto","nodes":[{"address":"/tmp/node.sock","drain":false}]}}',
    ],
}
for i, seed in enumerate(seeds.get(target, [])):
    with open(os.path.join(out, "seed-%d" % i), "wb") as f:
        f.write(seed)
EOF
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TABLE=$WORK/table
failed=0
printf '%-20s %12s %10s %8s\n' target inputs inputs/s crashes >"$TABLE"
# Link every target first, so the runs are not interleaved with compiler work.
for target in $TARGETS; do
    if [ "${FUZZ_SKIP_BUILD:-0}" = 1 ]; then
        [ -x "$SCRATCH/fuzz/$target" ] || { echo "no linked target $SCRATCH/fuzz/$target" >&2; exit 2; }
        continue
    fi
    echo "== $target: building" >&2
    build_target "$target"
done
for target in $TARGETS; do
    corpus=$WORK/corpus-$target
    artifacts=$SCRATCH/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    seed_corpus "$target" "$corpus"
    echo "== $target: $RUNS runs, $(ls "$corpus" | wc -l) seeds" >&2
    log=$WORK/$target.log
    extra=()
    if [ -n "${FUZZ_MAX_TIME:-}" ]; then extra+=("-max_total_time=$FUZZ_MAX_TIME"); fi
    start=$(date +%s.%N)
    set +e
    "$SCRATCH/fuzz/$target" "$corpus" -runs="$RUNS" -max_len="$(max_len_of "$target")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" >"$log" 2>&1
    status=$?
    set -e
    end=$(date +%s.%N)
    inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    inputs=${inputs:-0}
    crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newermt "@${start%.*}" | wc -l)
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        [ "$crashes" -ne 0 ] || crashes="exit $status"
        tail -40 "$log" >&2
    fi
    rate=$(python3 -c "import sys; print(round(int(sys.argv[1]) / max(float(sys.argv[3]) - float(sys.argv[2]), 1e-9)))" "$inputs" "$start" "$end")
    printf '%-20s %12s %10s %8s\n' "$target" "$inputs" "$rate" "$crashes" | tee -a "$TABLE" >&2
done
echo >&2
cat "$TABLE"
exit "$failed"
