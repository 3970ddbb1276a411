// Frame cost of the dashboard on a synthetic fleet of 1,000 routers × 20 nodes (run in release:
// Benchmarks/dashboard.sh). A frame = a new snapshot and a tick through the reducer, the screen
// rendered into a 200×60 Buffer, then diffed against the previous frame.
import Dashboard
import FleetModel
import RouterWire
import TUICore

let routerCount = 1_000
let nodesPerRouter = 20
let keysPerRouter = 4
let frames = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 300
let size = Size(width: 200, height: 60)
let epoch: Double = 1_795_909_900

/// A fleetrouter's document after `poll` polls: counters grow with the poll number and vary by
/// router and node (deterministic, no randomness) so rates and sorting have work to do.
func document(router: Int, poll: Int) -> StatsDocument {
    var slots: [StatsDocument.Slot] = []
    for key in 0..<keysPerRouter {
        var nodes: [StatsDocument.Node] = []
        for index in 0..<(nodesPerRouter / keysPerRouter) {
            let node = key * (nodesPerRouter / keysPerRouter) + index
            let requests = UInt64((router * 7 + node * 13) % 997 + 1) * UInt64(poll + 1)
            let state: StatsDocument.NodeState = node == 3 && router % 10 == 0 ? .draining : .ready
            nodes.append(StatsDocument.Node(
                name: "10.\(router / 250).\(router % 250).\(node + 1):3031", modifier1: 0,
                lastCheck: UInt64(epoch) + UInt64(poll), requests: requests, lastRequests: 1,
                tx: requests * 700, rx: requests * 300, cores: 4, weight: UInt64(node % 3 + 1),
                ref: UInt64(node % 4), operatorFields: .init(state: state, drain: state == .draining ? 1 : 0)))
        }
        let hits = nodes.reduce(0) { $0 + $1.requests }
        slots.append(StatsDocument.Slot(key: "app\(key).r\(router).example.com", hash: UInt64(key), hits: hits, nodes: nodes))
    }
    return StatsDocument(
        version: "fleetrouter 0.1.0", pid: UInt64(1000 + router), cwd: "/srv", activeSessions: UInt64(router % 50),
        listeners: .init(routerName: "http", addresses: ["127.0.0.1:\(20000 + router)"]),
        subscriptions: slots, cheap: 0, kind: "http", admin: "127.0.0.1:\(30000 + router)", cheapMode: .auto)
}

let endpoints = (0..<routerCount).map { index in
    RouterEndpoint(name: routerName(index), stats: .tcp(host: "127.0.0.1", port: UInt16(20000 + index)))
}

func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    let sorted = samples.sorted()
    let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
    return sorted[index]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// `router-0007`-style names so the name sort is the numeric order.
func routerName(_ index: Int) -> String {
    let digits = String(index)
    return "router-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

// Snapshots for successive polls, built up front so the frame loop measures only the UI.
let clock = ContinuousClock()
let configuration = FleetSnapshot.Configuration(interval: 1)
var snapshot = FleetSnapshot(endpoints: endpoints, configuration: configuration)
let pollsPrepared = 8
var snapshots: [FleetSnapshot] = []
var recordTimes: [Double] = []
for poll in 0..<pollsPrepared {
    let documents = (0..<routerCount).map { document(router: $0, poll: poll) }
    let at = FleetInstant(secondsSinceEpoch: epoch + Double(poll))
    let started = clock.now
    for (index, endpoint) in endpoints.enumerated() {
        snapshot.recordSuccess(documents[index], for: endpoint.id, at: at)
    }
    recordTimes.append(milliseconds(clock.now - started))
    snapshots.append(snapshot)
}
print("synthetic fleet: \(routerCount) routers × \(nodesPerRouter) nodes (\(keysPerRouter) keys each), frame \(size.width)×\(size.height), \(frames) frames")
print("record one poll round into the snapshot (1,000 documents): median \(format(percentile(recordTimes, 0.5))) ms")

@MainActor func run(screen name: String, prepare: (inout DashboardState) -> Void) {
    var state = DashboardState(
        snapshot: snapshots[0], size: size, now: FleetInstant(secondsSinceEpoch: epoch + 1))
    prepare(&state)
    var previous = Buffer(size: size, palette: state.theme.palette)
    var current = previous
    _ = DashboardView.render(state, into: &previous)
    var build: [Double] = []
    var diff: [Double] = []
    var snapshotStep: [Double] = []
    var tickStep: [Double] = []
    var renderStep: [Double] = []
    var runs = 0
    for frame in 0..<frames {
        let now = FleetInstant(secondsSinceEpoch: epoch + Double(pollsPrepared) + Double(frame))
        let started = clock.now
        _ = DashboardReducer.update(state: &state, event: .snapshotUpdated(snapshots[frame % pollsPrepared]))
        let updated = clock.now
        _ = DashboardReducer.update(state: &state, event: .tick(now))
        let ticked = clock.now
        current.reset()
        _ = DashboardView.render(state, into: &current)
        let rendered = clock.now
        snapshotStep.append(milliseconds(updated - started))
        tickStep.append(milliseconds(ticked - updated))
        renderStep.append(milliseconds(rendered - ticked))
        let changes = current.diff(from: previous)
        let diffed = clock.now
        runs += changes.count
        build.append(milliseconds(rendered - started))
        diff.append(milliseconds(diffed - rendered))
        swap(&previous, &current)
    }
    let total = zip(build, diff).map { $0 + $1 }
    print("\(name): build p50 \(format(percentile(build, 0.5))) ms p99 \(format(percentile(build, 0.99))) ms · "
        + "diff p50 \(format(percentile(diff, 0.5))) ms p99 \(format(percentile(diff, 0.99))) ms · "
        + "frame p50 \(format(percentile(total, 0.5))) ms p99 \(format(percentile(total, 0.99))) ms · "
        + "\(runs / max(frames, 1)) runs/frame")
    print("  of which: snapshotUpdated p50 \(format(percentile(snapshotStep, 0.5))) ms · tick p50 \(format(percentile(tickStep, 0.5))) ms · "
        + "render p50 \(format(percentile(renderStep, 0.5))) ms p99 \(format(percentile(renderStep, 0.99))) ms")
}

run(screen: "fleet screen") { _ in }
run(screen: "router screen") { state in
    _ = DashboardReducer.update(state: &state, event: .key(.enter))
}
