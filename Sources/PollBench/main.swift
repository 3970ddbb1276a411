// Polling cost of fleettop on a fleet of local stats servers (run in release:
// Benchmarks/dashboard.sh). Two processes, so the poller's CPU is measured alone:
//
//   PollBench serve 1000 > ports.txt     binds 1,000 RouterRuntime stats servers and as many
//                                        admin servers (the watch stream) on 127.0.0.1 port 0,
//                                        each serving a document of 20 nodes that changes at
//                                        every read as a busy router's does (a session count,
//                                        and every node's requests and bytes); prints "STATS
//                                        ADMIN" ports a line, then "ready" on stderr; serves
//                                        until stdin closes; with "idle", every read serves the
//                                        same document; with "whole", a watch gets whole
//                                        documents even when it asks for deltas (a fleetrouter
//                                        that predates them)
//   PollBench poll ports.txt 20 [poll|watch]
//                                        reads them with FleetPoller (NIOFleetControl) at 1 Hz
//                                        for 20 s, by polling the stats servers or (watch) through
//                                        fleetrouter's pushed stats, through fleettop's own
//                                        FleetPollerSource (records every result into its snapshot
//                                        and delivers it; the newest delivery is held, as the UI
//                                        holds it), then prints its CPU time (getrusage user + sys)
//                                        as % of one core, over the whole run and (runs of 10 s
//                                        or more) over its steady state, after the first 5 s
#if canImport(Glibc)
import Glibc
#endif
import FleetApp
import FleetClient
import FleetModel
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RouterRuntime
import RouterWire
import Synchronization

/// A fleetrouter's document with `nodes` nodes over 4 keys, counters mid-life.
func sampleDocument(router: Int, nodes: Int) -> StatsDocument {
    let keys = 4
    var slots: [StatsDocument.Slot] = []
    for key in 0..<keys {
        var list: [StatsDocument.Node] = []
        for index in 0..<(nodes / keys) {
            let node = key * (nodes / keys) + index
            let requests = UInt64((router * 7 + node * 13) % 997 + 1) * 1_000
            list.append(StatsDocument.Node(
                name: "10.\(router / 250).\(router % 250).\(node + 1):3031", modifier1: 0,
                lastCheck: 1_795_909_900, requests: requests, lastRequests: 1,
                tx: requests * 700, rx: requests * 300, cores: 4, weight: UInt64(node % 3 + 1),
                ref: UInt64(node % 4), operatorFields: .init(state: .ready, drain: 0)))
        }
        slots.append(StatsDocument.Slot(key: "app\(key).r\(router).example.com", hash: UInt64(key),
                                        hits: list.reduce(0) { $0 + $1.requests }, nodes: list))
    }
    return StatsDocument(
        version: "fleetrouter 0.1.0", pid: UInt64(1000 + router), cwd: "/srv", activeSessions: UInt64(router % 50),
        listeners: .init(routerName: "http", addresses: ["127.0.0.1:\(20000 + router)"]),
        subscriptions: slots, cheap: 0, kind: "http", admin: "127.0.0.1:\(30000 + router)", adminRouter: "http", cheapMode: .auto)
}

/// A router's document as it reads at each read: with `changing`, every read is a busy
/// router's next second (one more session, and every node has served 10 more requests, with
/// their bytes); without, the same document every time.
final class Advancing: Sendable {
    private let document: StatsDocument
    private let changing: Bool
    private let reads = Mutex(UInt64(0))

    init(_ document: StatsDocument, changing: Bool) {
        self.document = document
        self.changing = changing
    }

    func next() -> StatsDocument {
        guard changing else { return document }
        let step = reads.withLock { count in
            count &+= 1
            return count
        }
        var next = document
        next.activeSessions = (document.activeSessions ?? 0) + step % 7
        next.subscriptions = document.subscriptions?.map { slot in
            var slot = slot
            slot.hits += step * 10 * UInt64(slot.nodes.count)
            slot.nodes = slot.nodes.map { node in
                var node = node
                node.requests += step * 10
                node.lastRequests = 10
                node.tx += step * 7_000
                node.rx += step * 3_000
                return node
            }
            return slot
        }
        return next
    }

    /// The next document, encoded as a stats server sends it.
    func nextEncoded(style: JSONStyle) -> ByteBuffer {
        var buffer = ByteBuffer()
        next().encodeJSON(into: &buffer, style: style)
        return buffer
    }
}

/// A stats server's source: the document of each read.
struct ChangingStats: StatsSource {
    let documents: Advancing
    func encodedStats() async throws -> ByteBuffer { documents.nextEncoded(style: .pretty) }
}

/// An admin API that answers every call with the watch stream of its variants.
struct WatchOnlyAdmin: AdminHandler {
    let documents: Advancing
    let allowDeltas: Bool
    func handle(_ call: AdminCall) async -> AdminReply {
        var reply = AdminReply(status: .ok, body: ByteBuffer())
        let documents = self.documents
        let deltas = allowDeltas && call.query.map { $0.split(separator: "&").contains("delta=1") } ?? false
        reply.stream = AdminStream(interval: .seconds(1), deltas: deltas) { documents.next() }
        return reply
    }
}

/// Writes a line to standard error.
func note(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    note("PollBench: \(message)")
    exit(2)
}

/// `value` with two decimals.
func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// The lines of a text file, or nil when it cannot be read.
func readLines(_ path: String) -> [String]? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var lines: [String] = []
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    // One line per call until end of file; the file is finite.
    while getline(&line, &capacity, file) >= 0, let line {
        lines.append(String(String(cString: line).filter { !$0.isNewline }))
    }
    free(line)
    return lines
}


/// Lets this process open as many descriptors as the hard limit allows.
func raiseDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func serve(count: Int, changing: Bool, deltas: Bool) async {
    raiseDescriptorLimit()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logger = Logger(label: "pollbench", factory: { _ in SwiftLogNoOpLogHandler() })
    var servers: [StatsServer] = []
    var admins: [AdminServer] = []
    var encodedSize = 0
    for index in 0..<count {
        let document = sampleDocument(router: index, nodes: 20)
        encodedSize = document.encodeJSON().count
        do {
            let spec = try SocketAddressSpec(parsing: "127.0.0.1:0")
            let server = try await StatsServer.bind(.init(listener: spec), source: ChangingStats(documents: Advancing(document, changing: changing)),
                                                    group: group, logger: logger)
            servers.append(server)
            let admin = try await AdminServer.bind(.init(listener: spec), token: nil,
                                                   handler: WatchOnlyAdmin(documents: Advancing(document, changing: changing), allowDeltas: deltas),
                                                   group: group, logger: logger)
            admins.append(admin)
            guard case let .inet(_, port) = server.listener.boundAddress.kind,
                  case let .inet(_, adminPort) = admin.listener.boundAddress.kind else { fail("server \(index) has no port") }
            print("\(port) \(adminPort)")
        } catch {
            fail("cannot bind stats or admin server \(index): \(error)")
        }
    }
    fflush(nil)
    note("ready: \(servers.count) stats and admin servers, \(encodedSize) bytes per document")
    // Serve until the driving script closes our stdin (read returns 0 at its end, or fails).
    await Task.detached {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(0, &scratch, scratch.count) > 0 {}
    }.value
    for server in servers { await server.shutdown() }
    for admin in admins { await admin.shutdown() }
    try? await group.shutdownGracefully()
}

/// Counts the polls made through `base` (pushed documents are the rest).
final class CountingControl: FleetControl {
    let base: NIOFleetControl
    let polls = Atomic<Int>(0)

    init(base: NIOFleetControl) {
        self.base = base
    }

    func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        polls.wrappingAdd(1, ordering: .relaxed)
        return try await base.poll(router)
    }

    func poll(_ router: RouterEndpoint, completion: @escaping @Sendable (Result<StatsDocument, any Error>) -> Void) {
        polls.wrappingAdd(1, ordering: .relaxed)
        base.poll(router, completion: completion)
    }

    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome {
        try await base.apply(edit, to: router, reach: reach)
    }

    func watch(_ router: RouterEndpoint, target: WatchTarget, interval: Duration) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        base.watch(router, target: target, interval: interval)
    }

    func watch(
        _ router: RouterEndpoint, target: WatchTarget, interval: Duration,
        update: @escaping @Sendable (StatsWatchUpdate) -> Void
    ) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        base.watch(router, target: target, interval: interval, update: update)
    }
}

/// The newest snapshot delivered, held as the UI's inbox and state hold it.
final class Delivered: Sendable {
    private let latest = Mutex<FleetSnapshot?>(nil)
    func keep(_ snapshot: FleetSnapshot) { latest.withLock { $0 = snapshot } }
    var snapshot: FleetSnapshot? { latest.withLock { $0 } }
}

func poll(portsFile: String, seconds: Double, watch: Bool) async {
    raiseDescriptorLimit()
    guard let lines = readLines(portsFile) else { fail("cannot read \(portsFile)") }
    let ports = lines.compactMap { line -> (UInt16, UInt16)? in
        let fields = line.split(separator: " ")
        guard fields.count == 2, let stats = UInt16(fields[0]), let admin = UInt16(fields[1]) else { return nil }
        return (stats, admin)
    }
    guard !ports.isEmpty else { fail("\(portsFile) lists no ports (\"STATS ADMIN\" a line expected)") }
    let endpoints = ports.enumerated().map { index, port in
        RouterEndpoint(name: "router-\(index)", stats: .tcp(host: "127.0.0.1", port: port.0), admin: .tcp(host: "127.0.0.1", port: port.1))
    }
    let control = CountingControl(base: NIOFleetControl())
    var configuration = FleetSnapshot.Configuration(interval: 1)
    configuration.pushedStats = watch
    // fleettop's own source: the poller, recording into one snapshot, delivering it to the UI.
    let source = FleetPollerSource(control: control, endpoints: endpoints, configuration: configuration, clock: SystemFleetClock())
    let delivered = Delivered()
    let clock = ContinuousClock()

    let wallStart = clock.now
    let cpuStart = cpuSeconds()
    func elapsed(since start: ContinuousClock.Instant) -> Double {
        let duration = clock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    source.start { delivered.keep($0) }
    // The steady state, after the first round of connects (and, watched, of whole documents).
    let warmUp = seconds >= 10 ? 5.0 : 0
    var steady: (cpu: Double, wall: ContinuousClock.Instant)?
    if warmUp > 0 {
        try? await Task.sleep(for: .seconds(warmUp))
        steady = (cpuSeconds(), clock.now)
    }
    try? await Task.sleep(for: .seconds(seconds - warmUp))
    source.stop()
    let wall = elapsed(since: wallStart)
    let cpu = cpuSeconds() - cpuStart
    let steadyLine = steady.map { start in
        let cpu = cpuSeconds() - start.cpu
        let wall = elapsed(since: start.wall)
        return "steady state after \(format(warmUp)) s: \(format(cpu)) s user+sys = \(format(cpu / wall * 100)) % of one core"
    }
    let snapshot = delivered.snapshot
    let entries = snapshot?.entries ?? []
    let documents = entries.reduce(0) { $0 + $1.successfulPolls }
    let failures = entries.reduce(0) { $0 + $1.consecutiveFailures }
    let polls = control.polls.load(ordering: .relaxed)
    let firstError = entries.lazy.compactMap(\.lastError).first
    let percent = { (value: Double) in format(value * 100) }
    print("\(watch ? "watching" : "polling") \(ports.count) routers at 1 Hz for \(format(wall)) s: \(documents) documents (\(max(0, documents - polls)) pushed), \(failures) failures, \(source.deliveries) snapshots delivered")
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    print("poller process CPU: \(format(cpu)) s user+sys = \(percent(cpu / wall)) % of one core"
        + " (peak resident memory \(format(Double(usage.ru_maxrss) / 1024)) MiB)")
    if let steadyLine { print(steadyLine) }
    if let firstError { print("first failure: \(firstError)") }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    guard arguments.count == 2 || arguments.count == 3 && ["idle", "whole"].contains(arguments[2]),
          let count = Int(arguments[1]), count > 0 else {
        fail("usage: PollBench serve COUNT [idle|whole]")
    }
    await serve(count: count, changing: arguments.count == 2 || arguments[2] == "whole", deltas: arguments.count == 2)
case "poll":
    guard arguments.count == 3 || arguments.count == 4, let seconds = Double(arguments[2]), seconds > 0,
          arguments.count == 3 || ["poll", "watch"].contains(arguments[3]) else {
        fail("usage: PollBench poll PORTS_FILE SECONDS [poll|watch]")
    }
    await poll(portsFile: arguments[1], seconds: seconds, watch: arguments.count == 4 && arguments[3] == "watch")
default:
    fail("usage: PollBench serve COUNT [idle|whole] | PollBench poll PORTS_FILE SECONDS [poll|watch]")
}
