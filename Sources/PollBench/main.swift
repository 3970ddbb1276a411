// Polling cost of fleettop on a fleet of local stats servers (run in release:
// Benchmarks/dashboard.sh). Two processes, so the poller's CPU is measured alone:
//
//   PollBench serve 1000 > ports.txt     binds 1,000 RouterRuntime stats servers on 127.0.0.1
//                                        port 0, each serving one fixed document of 20 nodes;
//                                        prints one port a line, then "ready" on stderr; serves
//                                        until stdin closes
//   PollBench poll ports.txt 20          polls them with FleetPoller (NIOFleetControl) at 1 Hz
//                                        for 20 s, recording every result into a FleetSnapshot
//                                        as the app does, then prints its CPU time
//                                        (getrusage user + sys) as % of one core
#if canImport(Glibc)
import Glibc
#endif
import FleetClient
import FleetModel
import Logging
import NIOCore
import NIOPosix
import RouterRuntime
import RouterWire

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
        subscriptions: slots, cheap: 0, kind: "http", admin: "127.0.0.1:\(30000 + router)", cheapMode: .auto)
}

/// Serves one pre-encoded document.
struct FixedStats: StatsSource {
    let bytes: ByteBuffer
    func encodedStats() async throws -> ByteBuffer { bytes }
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

func serve(count: Int) async {
    raiseDescriptorLimit()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logger = Logger(label: "pollbench", factory: { _ in SwiftLogNoOpLogHandler() })
    var servers: [StatsServer] = []
    var encodedSize = 0
    for index in 0..<count {
        let bytes = sampleDocument(router: index, nodes: 20).encodeJSON()
        encodedSize = bytes.count
        do {
            let spec = try SocketAddressSpec(parsing: "127.0.0.1:0")
            let server = try await StatsServer.bind(.init(listener: spec), source: FixedStats(bytes: ByteBuffer(bytes: bytes)),
                                                    group: group, logger: logger)
            servers.append(server)
            guard case let .inet(_, port) = server.listener.boundAddress.kind else { fail("server \(index) has no port") }
            print(port)
        } catch {
            fail("cannot bind stats server \(index): \(error)")
        }
    }
    fflush(nil)
    note("ready: \(servers.count) stats servers, \(encodedSize) bytes per document")
    // Serve until the driving script closes our stdin (read returns 0 at its end, or fails).
    await Task.detached {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(0, &scratch, scratch.count) > 0 {}
    }.value
    for server in servers { await server.shutdown() }
    try? await group.shutdownGracefully()
}

func poll(portsFile: String, seconds: Double) async {
    raiseDescriptorLimit()
    guard let lines = readLines(portsFile) else { fail("cannot read \(portsFile)") }
    let ports = lines.compactMap { UInt16($0) }
    guard !ports.isEmpty else { fail("\(portsFile) lists no ports (one per line expected)") }
    let endpoints = ports.enumerated().map { index, port in
        RouterEndpoint(name: "router-\(index)", stats: .tcp(host: "127.0.0.1", port: port))
    }
    let control = NIOFleetControl()
    let poller = FleetPoller(control: control, endpoints: endpoints, configuration: .init(interval: .seconds(1)))
    var snapshot = FleetSnapshot(endpoints: endpoints, configuration: .init(interval: 1))
    let fleetClock = SystemFleetClock()
    let clock = ContinuousClock()

    let wallStart = clock.now
    let cpuStart = cpuSeconds()
    poller.start()
    let stopper = Task {
        try? await Task.sleep(for: .seconds(seconds))
        poller.stop()
    }
    var successes = 0, failures = 0
    var recordTime = Duration.zero
    var firstError: String?
    for await result in poller.results {
        let started = clock.now
        snapshot.record(result.untypedResult, for: result.router, clock: fleetClock)
        recordTime += clock.now - started
        switch result.result {
        case .success: successes += 1
        case let .failure(error):
            failures += 1
            if firstError == nil { firstError = String(describing: error) }
        }
    }
    _ = await stopper.value
    let wall = Double((clock.now - wallStart).components.seconds) + Double((clock.now - wallStart).components.attoseconds) / 1e18
    let cpu = cpuSeconds() - cpuStart
    let record = Double(recordTime.components.seconds) + Double(recordTime.components.attoseconds) / 1e18
    let percent = { (value: Double) in format(value * 100) }
    print("polling \(ports.count) stats servers at 1 Hz for \(format(wall)) s: \(successes) documents, \(failures) failures")
    print("poller process CPU: \(format(cpu)) s user+sys = \(percent(cpu / wall)) % of one core"
        + " (recording into the snapshot: \(percent(record / wall)) %)")
    if let firstError { print("first failure: \(firstError)") }
    _ = snapshot
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    guard arguments.count == 2, let count = Int(arguments[1]), count > 0 else { fail("usage: PollBench serve COUNT") }
    await serve(count: count)
case "poll":
    guard arguments.count == 3, let seconds = Double(arguments[2]), seconds > 0 else {
        fail("usage: PollBench poll PORTS_FILE SECONDS")
    }
    await poll(portsFile: arguments[1], seconds: seconds)
default:
    fail("usage: PollBench serve COUNT | PollBench poll PORTS_FILE SECONDS")
}
