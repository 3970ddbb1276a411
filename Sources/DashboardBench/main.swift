// Frame cost of the dashboard on a synthetic fleet of ROUTERS routers × 20 nodes (1,000 by
// default; run in release: Benchmarks/dashboard.sh). Two kinds of frame, as the app's loop has them:
// - a poll frame, once a second: the poller records a round of documents, one per router, into
//   its snapshot (its own thread; timed apart), and works out what the dashboard shows with it
//   (`prepare(state.snapshotPreparation, …)`, as FleetPollerSource does before delivering: the
//   Fleet rows and lines for the Fleet view, and while the key view or a key's drill-down shows,
//   the key aggregates; timed apart), then the UI takes the new snapshot and a tick through the
//   reducer, renders into a 200×60 Buffer and diffs against the previous frame;
// - a key frame: a key press moving the selection, then render and diff.
// The Fleet and Router screens run on routers with 4 keys of their own; the key view (`K`), a
// key's drill-down and the Fleet screen grouped by key run on routers serving 10 keys each out
// of 100 the fleet shares (2 nodes per key).
// Each poll frame is timed on the clock and in this thread's CPU time (on a shared machine the
// clock also counts the time other processes held the core).
// Documents are generated for each round as it is recorded (from names made once per router),
// so memory holds one round besides the snapshot's; the process's resident memory is printed
// at the end (the snapshot, its rows and the dashboard state; no connections).
//
//   DashboardBench [FRAMES=300] [ROUTERS=1000]
//
// SCREENS=fleet,router,keys,drill,grouped (all by default) runs only the screens named, for a
// profiler's look at one of them.
import Dashboard
import FleetModel
import RouterWire
import TUICore
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
let frames = arguments.first.flatMap { Int($0) }.map { max(1, $0) } ?? 300
let routerCount = arguments.dropFirst().first.flatMap { Int($0) }.map { min(max(1, $0), 40_000) } ?? 1_000
let nodesPerRouter = 20
let keysPerRouter = 4
let sharedKeysPerRouter = 10
let sharedKeyCount = 100
let size = Size(width: 200, height: 60)
let epoch: Double = 1_795_909_900

/// The text of one router's documents that does not change between polls, made once so that
/// generating a round costs numbers, not string formatting.
struct RouterNames {
    var nodes: [String]
    var keys: [String]
    var sharedKeys: [String]
    var listener: String
    var admin: String

    init(router: Int) {
        nodes = (0..<nodesPerRouter).map { node in "10.\(router / 250 % 256).\(router % 250).\(node + 1):3031" }
        keys = (0..<keysPerRouter).map { key in "app\(key).r\(router).example.com" }
        sharedKeys = (0..<sharedKeysPerRouter).map { key in
            "app\((router + key * (sharedKeyCount / sharedKeysPerRouter)) % sharedKeyCount).example.com"
        }
        listener = "127.0.0.1:\(20000 + router)"
        admin = "127.0.0.1:\(30000 + router)"
    }
}

/// A fleetrouter's document after `poll` polls: counters grow with the poll number and vary by
/// router and node (deterministic, no randomness) so rates and sorting have work to do. With
/// `shared`, the router serves 10 of the fleet's 100 keys, else 4 keys of its own.
func document(router: Int, poll: Int, shared: Bool = false, names: RouterNames) -> StatsDocument {
    var slots: [StatsDocument.Slot] = []
    let keys = shared ? sharedKeysPerRouter : keysPerRouter
    slots.reserveCapacity(keys)
    for key in 0..<keys {
        var nodes: [StatsDocument.Node] = []
        nodes.reserveCapacity(nodesPerRouter / keys)
        for index in 0..<(nodesPerRouter / keys) {
            let node = key * (nodesPerRouter / keys) + index
            let requests = UInt64((router * 7 + node * 13) % 997 + 1) * UInt64(poll + 1)
            let state: StatsDocument.NodeState = node == 3 && router % 10 == 0 ? .draining : .ready
            nodes.append(StatsDocument.Node(
                name: names.nodes[node], modifier1: 0,
                lastCheck: UInt64(epoch) + UInt64(poll), requests: requests, lastRequests: 1,
                tx: requests * 700, rx: requests * 300, cores: 4, weight: UInt64(node % 3 + 1),
                ref: UInt64(node % 4), operatorFields: .init(state: state, drain: state == .draining ? 1 : 0)))
        }
        let hits = nodes.reduce(0) { $0 + $1.requests }
        let name = shared ? names.sharedKeys[key] : names.keys[key]
        slots.append(StatsDocument.Slot(key: name, hash: UInt64(key), hits: hits, nodes: nodes))
    }
    return StatsDocument(
        version: "fleetrouter 0.1.0", pid: UInt64(1000 + router), cwd: "/srv", activeSessions: UInt64(router % 50),
        listeners: .init(routerName: "http", addresses: [names.listener]),
        subscriptions: slots, cheap: 0, kind: "http", admin: names.admin, cheapMode: .auto)
}

let names = (0..<routerCount).map(RouterNames.init(router:))

let endpoints = (0..<routerCount).map { index in
    RouterEndpoint(name: routerName(index), stats: .tcp(host: "127.0.0.1", port: UInt16(20000 + index % 40_000)))
}

func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    let sorted = samples.sorted()
    let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
    return sorted[index]
}

/// CPU time this thread has used: a frame's cost apart from the time other processes took the
/// core (on a shared machine the wall-clock figures include that).
func threadCPUTime() -> Duration {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// `router-0007`-style names (as many digits as the largest index) so the name sort is the
/// numeric order.
func routerName(_ index: Int) -> String {
    let digits = String(index)
    let width = max(4, String(routerCount - 1).count)
    return "router-" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// The process's peak resident memory so far (getrusage's ru_maxrss), in MiB.
func peakResidentMemory() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

let clock = ContinuousClock()
let configuration = FleetSnapshot.Configuration(interval: 1)
print("synthetic fleet: \(routerCount) routers × \(nodesPerRouter) nodes (\(keysPerRouter) keys each), frame \(size.width)×\(size.height), \(frames) frames")

/// The poller's side: a snapshot that each round's documents are recorded into. A round's
/// documents are generated just before it is recorded (not timed), into one reused array.
struct Poller {
    var snapshot = FleetSnapshot(endpoints: endpoints, configuration: configuration)
    var poll = 0
    var shared: Bool
    var round: [StatsDocument] = []

    init(shared: Bool) {
        self.shared = shared
    }

    /// Generates and records the next round at `at`; returns the milliseconds of this thread's
    /// CPU time recording took.
    mutating func recordRound(at: FleetInstant) -> Double {
        round.removeAll(keepingCapacity: true)
        for router in 0..<routerCount {
            round.append(document(router: router, poll: poll, shared: shared, names: names[router]))
        }
        poll += 1
        let started = threadCPUTime()
        for (index, endpoint) in endpoints.enumerated() {
            snapshot.recordSuccess(round[index], for: endpoint.id, at: at)
        }
        return milliseconds(threadCPUTime() - started)
    }
}

func line(_ label: String, _ samples: [Double]) -> String {
    "\(label) p50 \(format(percentile(samples, 0.5))) ms p99 \(format(percentile(samples, 0.99))) ms"
}

var recordTimes: [Double] = []

/// The screens SCREENS names (every screen when it is unset or empty).
let chosenScreens: Set<String>? = {
    guard let list = getenv("SCREENS").map({ String(cString: $0) }), !list.isEmpty else { return nil }
    return Set(list.split(separator: ",").map { String($0) })
}()

@MainActor func run(screen name: String, id: String, shared: Bool = false, prepare: (inout DashboardState) -> Void) {
    if let chosenScreens, !chosenScreens.contains(id) { return }
    var poller = Poller(shared: shared)
    for poll in 0..<2 { _ = poller.recordRound(at: FleetInstant(secondsSinceEpoch: epoch + Double(poll))) }
    var state = DashboardState(snapshot: poller.snapshot, size: size, now: FleetInstant(secondsSinceEpoch: epoch + 1))
    prepare(&state)
    var previous = Buffer(size: size, palette: state.theme.palette)
    var current = previous
    _ = DashboardView.render(state, into: &previous)
    var pollFrames: [Double] = [], snapshotStep: [Double] = [], tickStep: [Double] = []
    var renderStep: [Double] = [], diffStep: [Double] = [], keyFrames: [Double] = [], pollFrameCPU: [Double] = []
    var prepareTimes: [Double] = []
    var order: SortedOrder<RouterColumn>?
    var runs = 0
    for frame in 0..<frames {
        let now = FleetInstant(secondsSinceEpoch: epoch + 2 + Double(frame))
        let recorded = poller.recordRound(at: now)
        // The poller's figure is for the 4-key documents of the first two runs.
        if !shared { recordTimes.append(recorded) }
        var delivered = poller.snapshot
        let preparing = threadCPUTime()
        order = delivered.prepare(state.snapshotPreparation, at: now, reusing: order)
        prepareTimes.append(milliseconds(threadCPUTime() - preparing))
        let startedCPU = threadCPUTime()
        let started = clock.now
        // As the app's loop: the state before the events is kept and dropped off the UI thread.
        let before = state
        _ = DashboardReducer.update(state: &state, event: .snapshotUpdated(delivered))
        let updated = clock.now
        _ = DashboardReducer.update(state: &state, event: .tick(now))
        let ticked = clock.now
        current.reset()
        _ = DashboardView.render(state, into: &current)
        let rendered = clock.now
        runs += current.diff(from: previous).count
        let diffed = clock.now
        pollFrameCPU.append(milliseconds(threadCPUTime() - startedCPU))
        BackgroundRelease.release(consume before)
        swap(&previous, &current)
        snapshotStep.append(milliseconds(updated - started))
        tickStep.append(milliseconds(ticked - updated))
        renderStep.append(milliseconds(rendered - ticked))
        diffStep.append(milliseconds(diffed - rendered))
        pollFrames.append(milliseconds(diffed - started))

        // A key press between two polls: the selection moves (down, and back up at the end).
        let key: Key = (frame / 40) % 2 == 0 ? .down : .up
        let keyStarted = clock.now
        _ = DashboardReducer.update(state: &state, event: .key(key))
        current.reset()
        _ = DashboardView.render(state, into: &current)
        runs += current.diff(from: previous).count
        keyFrames.append(milliseconds(clock.now - keyStarted))
        swap(&previous, &current)
    }
    print("\(name): " + line("poll frame", pollFrames) + " · " + line("key frame", keyFrames)
        + " · \(runs / max(2 * frames, 1)) runs/frame")
    print("  poll frame steps: " + line("snapshotUpdated", snapshotStep) + " · " + line("tick", tickStep) + " · "
        + line("render", renderStep) + " · " + line("diff", diffStep))
    print("  poll frame CPU time (this thread): " + line("", pollFrameCPU))
    if !prepareTimes.isEmpty {
        print("  poller: Fleet rows and lines (and key aggregates) worked out before delivery (CPU time): " + line("", prepareTimes))
    }
    // The first screen's peak is its own: the poller's snapshot, the state with its rows and
    // caches, both buffers, and one round of documents being generated.
    print("  peak resident memory so far: \(format(peakResidentMemory())) MiB")
}

run(screen: "fleet screen", id: "fleet") { _ in }
run(screen: "router screen", id: "router") { state in
    _ = DashboardReducer.update(state: &state, event: .key(.enter))
}
run(screen: "key view (10 of 100 shared keys per router)", id: "keys", shared: true) { state in
    _ = DashboardReducer.update(state: &state, event: .key(.char("K")))
}
let routersPerKey = routerCount * sharedKeysPerRouter / sharedKeyCount
run(screen: "key drill-down (\(routersPerKey) routers × 2 nodes)", id: "drill", shared: true) { state in
    _ = DashboardReducer.update(state: &state, event: .key(.char("K")))
    _ = DashboardReducer.update(state: &state, event: .key(.enter))
}
run(screen: "fleet screen grouped by key (\(routerCount * sharedKeysPerRouter + sharedKeyCount) lines)", id: "grouped", shared: true) { state in
    _ = DashboardReducer.update(state: &state, event: .key(.char("b")))
    _ = DashboardReducer.update(state: &state, event: .key(.char("b")))
}
if !recordTimes.isEmpty {
    print("poller: record one round of \(routerCount) documents into its snapshot (CPU time): " + line("", recordTimes)
    + " (\(format(percentile(recordTimes, 0.5) * 1000 / Double(routerCount))) µs per document)")
}
