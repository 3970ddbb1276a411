#if canImport(Glibc)
import DataPlaneTesting
import Glibc
#endif
#if canImport(CNIOLinux)
// `sockaddr_in`'s members may be attributed to CNIOLinux, depending on which files the
// compiler batches with this one (MemberImportVisibility).
import CNIOLinux
#endif
import Foundation
import NIOConcurrencyHelpers
import RouterConfig
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing
@testable import RouterRuntime
import NIOCore

/// A live fleetrouter (HTTP, fast and raw routers, stats, admin, subscription server) fed
/// seeded random and mutated bytes on every listener; after each batch the process must still
/// serve a real request through each router. `FLEETTOP_HOSTILE_INPUTS` raises the count (the
/// benchmark run); the default is the CI bar of 20,000.
@Suite("Live router under hostile input", .serialized, .everyTransport)
struct HostileInputSuite {
    /// Inputs per run, split over the listeners by `shares`.
    static let total = ProcessInfo.processInfo.environment["FLEETTOP_HOSTILE_INPUTS"].flatMap(Int.init).map { max($0, 1000) } ?? 20_000
    static let shares: [(Target, Int)] = [(.subscription, 40), (.http, 15), (.fast, 15), (.raw, 10), (.admin, 12), (.stats, 8)]
    static let batches = 10
    /// The whole run must end within this, whatever the machine's load.
    static let budget: TimeInterval = 240

    /// The routers' inactivity timeout in seconds (`--xxx-timeout`). The fake nodes run in this
    /// process, beside every other test: under a sanitizer on a loaded machine a node can be
    /// starved for 2 s, and the router then closes the liveness request unanswered. What the
    /// suite asserts is that the router survives and serves, not how fast the node answers.
    static let nodeTimeout = 2 * Slowdown.factor

    enum Target: String, CaseIterable, Sendable { case http, fast, raw, stats, admin, subscription }

    @Test("20,000 random and mutated inputs over every listener: the router stays up and serves after each batch")
    func hostileInputs() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let httpNode = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let rawNode = try await FakeUwsgiNode.start(.rawEcho, group: RouterHarness.group)
        try (FleetRouterHarness.token + "\n").write(toFile: "\(directory)/token", atomically: true, encoding: .utf8)
        // A token file must be private to its owner.
        chmod("\(directory)/token", 0o600)
        let arguments = [
            "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0", "--http-stats", "127.0.0.1:0",
            "--http-timeout", "\(Self.nodeTimeout)",
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:\(httpNode.port)", "--fastrouter-timeout", "\(Self.nodeTimeout)",
            "--fastrouter-stats", "127.0.0.1:0", "--fastrouter-gracetime", "1",
            "--rawrouter", "127.0.0.1:0", "--rawrouter-to", "127.0.0.1:\(rawNode.port)", "--rawrouter-timeout", "\(Self.nodeTimeout)", "--rawrouter-gracetime", "1",
            "--admin", "127.0.0.1:0", "--admin-token-file", "\(directory)/token", "--state-file", "\(directory)/state.json",
            "--admin-request-timeout", "1", "--admin-idle-timeout", "1", "--socket-timeout", "1",
        ]
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments, fileReader: FleetRouterCommand.readFile)
        let process = try await FleetRouterProcess.start(
            configuration: configuration.onTransportUnderTest, logger: quietLogger, shutdownGrace: .seconds(1), handleSignals: false, announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        let running = Task { try await process.run() }
        defer { running.cancel() }
        let ports = try Dictionary(uniqueKeysWithValues: Target.allCases.map { target in (target, try Self.port(of: target, in: process)) })

        var random = SplitMix64(seed: 0x5EED_F1EE_7000)
        let seeds = Self.seeds(httpNode: httpNode.port)
        let started = Date()
        var sent: [Target: Int] = [:]
        let perBatch = Self.shares.map { ($0.0, max(1, Self.total * $0.1 / 100 / Self.batches)) }
        for batch in 0..<Self.batches {
            for (target, count) in perBatch {
                var inputs: [[UInt8]] = []
                inputs.reserveCapacity(count)
                for _ in 0..<count { inputs.append(Mutator.next(from: seeds[target] ?? [[]], random: &random)) }
                let port = ports[target] ?? 0
                let batchInputs = inputs
                if target == .subscription {
                    try await RouterHarness.blocking { try Self.sendDatagrams(batchInputs, port: port) }
                } else {
                    try await RouterHarness.blocking { Self.sendStreams(batchInputs, port: port, threads: 4) }
                }
                sent[target, default: 0] += count
                #expect(Date().timeIntervalSince(started) < Self.budget, "batch \(batch) \(target): over the time budget")
            }
            try await Self.expectServing(process: process, ports: ports, node: httpNode, batch: batch)
        }
        let total = sent.values.reduce(0, +)
        #expect(total >= min(Self.total, 20_000) - Self.shares.count * Self.batches)
        #expect(Date().timeIntervalSince(started) < Self.budget)
        await process.shutdown()
        _ = try? await running.value
        await httpNode.stop()
        await rawNode.stop()
    }

    // MARK: Liveness

    /// How long one liveness answer may take: liveness, not speed, is checked, and on a loaded
    /// machine (or under a sanitizer) a live router can take seconds to answer after a batch.
    static let answerSeconds = 60

    /// A real request through each router, a stats document and an admin read, all answered.
    ///
    /// A check is asked again (at most five times) only when the router's own state says why it
    /// failed, a state the batch legitimately leaves behind: the subscribed node death-marked by
    /// a request of the batch whose connect failed under load (the HTTP router answers 503), or
    /// the static node skipped for its gracetime after such a failure (the fast and raw routers
    /// close without an answer, as uWSGI does). Any other failure fails at once.
    static func expectServing(process: FleetRouterProcess, ports: [Target: Int], node: FakeUwsgiNode, batch: Int) async throws {
        let engines = process.engines
        let address = "127.0.0.1:\(node.port)"
        let alive: @Sendable () -> Bool = {
            engines[0].core.withLockedValue { $0.state.table.slot(for: RouteKey("alive.check"))?.node(address: address)?.isAlive ?? false }
        }
        let http = await attempts(explained: { alive() ? nil : .zero }, prepare: {
            // Alive, not merely in the table: a death-marked node stays there until its
            // sessions end; the announce revives it.
            try await announce(node: node, subscriptionPort: ports[.subscription] ?? 0, until: alive)
        }) {
            let client = try BlockingClient(port: ports[.http] ?? 0, timeoutSeconds: Self.answerSeconds)
            try client.send("GET /alive HTTP/1.1\r\nHost: alive.check\r\nConnection: close\r\n\r\n")
            let status = try client.readResponse().status
            guard status == 200 else { throw LivenessFailure(answer: "HTTP \(status)") }
        }
        let fast = await attempts(explained: inGrace(engine(named: "fastrouter", in: engines))) {
            let client = try BlockingClient(port: ports[.fast] ?? 0, timeoutSeconds: Self.answerSeconds)
            try client.send(StreamRouterTests.packet([("REQUEST_METHOD", "GET"), ("HTTP_HOST", "x"), ("PATH_INFO", "/alive")], modifier1: 0, modifier2: 0))
            let status = try client.readResponse().status
            guard status == 200 else { throw LivenessFailure(answer: "HTTP \(status)") }
        }
        let raw = await attempts(explained: inGrace(engine(named: "rawrouter", in: engines))) {
            let client = try BlockingClient(port: ports[.raw] ?? 0, timeoutSeconds: Self.answerSeconds)
            try client.send("ping")
            client.shutdownWrite()
            let text = String(decoding: try client.readToEnd(), as: UTF8.self)
            guard text == "pingBYE 4" else { throw LivenessFailure(answer: text) }
        }
        let stats = await attempts {
            let bytes = try BlockingClient(port: ports[.stats] ?? 0, timeoutSeconds: Self.answerSeconds).readToEnd()
            guard bytes.count > 100 else { throw LivenessFailure(answer: "\(bytes.count) bytes") }
        }
        let admin = await attempts {
            let client = try BlockingClient(port: ports[.admin] ?? 0, timeoutSeconds: Self.answerSeconds)
            try client.send("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let status = try client.readResponse().status
            guard status == 200 else { throw LivenessFailure(answer: "HTTP \(status)") }
        }
        #expect(http.served, "batch \(batch): HTTP router: \(http.failures)")
        #expect(fast.served, "batch \(batch): fast router: \(fast.failures)")
        #expect(raw.served, "batch \(batch): raw router: \(raw.failures)")
        #expect(stats.served, "batch \(batch): stats server: \(stats.failures)")
        #expect(admin.served, "batch \(batch): admin API: \(admin.failures)")
    }

    /// A liveness answer that was not the expected one.
    struct LivenessFailure: Error, CustomStringConvertible {
        let answer: String
        var description: String { "answered \(answer)" }
    }

    /// Runs `check` on a thread of its own after `prepare`; again (five times in all) while it
    /// fails and `explained` says the router's state accounts for the failure, after the wait
    /// it gives (nil: not explained).
    static func attempts(
        explained: @escaping @Sendable () -> Duration? = { nil },
        prepare: @Sendable () async throws -> Void = {},
        _ check: @escaping @Sendable () throws -> Void
    ) async -> (served: Bool, failures: [String]) {
        var failures: [String] = []
        while failures.count < 5 {
            do {
                try await prepare()
                try await RouterHarness.blocking(check)
                return (true, failures)
            } catch {
                failures.append("\(error)")
                guard let wait = explained() else { break }
                try? await Task.sleep(for: wait)
            }
        }
        return (false, failures)
    }

    /// The engine of the router named `name`.
    static func engine(named name: String, in engines: [RouterEngine]) -> RouterEngine? {
        engines.first { $0.name == name }
    }

    /// When the router's static node is skipped for its gracetime, that gracetime (a failed
    /// node is tried again only once it has passed, so the next attempt counts); else nil.
    static func inGrace(_ engine: RouterEngine?) -> @Sendable () -> Duration? {
        {
            guard let engine else { return nil }
            let (failed, gracetime) = engine.core.withLockedValue { core in
                (core.state.staticNodes.nodes.contains { $0.grace != nil }, core.state.staticNodes.gracetime)
            }
            return failed ? gracetime + .milliseconds(100) : nil
        }
    }

    /// Announces `node` under alive.check until `done` holds (refreshed every batch: the run can
    /// outlast the subscription tolerance). Sent again each second: the batch just sent may
    /// have filled the socket's receive buffer, and the kernel then drops the announce (its
    /// right) without the router ever seeing it.
    static func announce(node: FakeUwsgiNode, subscriptionPort: Int, until done: @escaping @Sendable () -> Bool) async throws {
        let packet = try SubscriptionPacket(key: "alive.check", address: "127.0.0.1:\(node.port)").encoded()
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(subscriptionPort)"))
        try await withTimeout(Double(answerSeconds), "the alive.check announce") {
            repeat {
                try sender.send(packet)
                let resend = ContinuousClock.now + .seconds(1)
                while !done(), ContinuousClock.now < resend { try await Task.sleep(for: .milliseconds(10)) }
            } while !done()
        }
    }

    // MARK: Seeds

    static func seeds(httpNode: Int) -> [Target: [[UInt8]]] {
        func text(_ s: String) -> [UInt8] { Array(s.utf8) }
        let fast = { (vars: [(String, String)]) in StreamRouterTests.packet(vars, modifier1: 0, modifier2: 0) }
        var subscriptions: [[UInt8]] = []
        for (key, address) in [("fuzz.local", "127.0.0.1:9"), ("a.fuzz", "/tmp/fuzz.sock"), ("b.fuzz", "@abstract")] {
            if let bytes = try? SubscriptionPacket(key: key, address: address, modifier1: 5, cores: 8, load: 1, weight: 3, backup: 1).encoded() {
                subscriptions.append(Array(bytes.readableBytesView))
            }
            if let bytes = try? SubscriptionPacket(command: .unsubscribe(1), key: key, address: address).encoded() {
                subscriptions.append(Array(bytes.readableBytesView))
            }
        }
        return [
            .http: [
                text("GET / HTTP/1.1\r\nHost: fuzz.local\r\n\r\n"),
                text("POST /p?q=1 HTTP/1.1\r\nHost: alive.check\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello"),
                text("PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                text("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: a\r\nSec-WebSocket-Version: 13\r\n\r\n"),
                text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.0\r\nHost: y\r\nContent-Length: 9223372036854775807\r\n\r\n"),
            ],
            .fast: [
                fast([("REQUEST_METHOD", "GET"), ("HTTP_HOST", "k"), ("CONTENT_LENGTH", "9223372036854775807")]),
                fast([("REQUEST_METHOD", "POST"), ("UWSGI_FASTROUTER_KEY", "k"), ("CONTENT_LENGTH", "4")]) + text("body"),
                fast([("SERVER_NAME", "s"), ("PATH_INFO", "/")]),
            ],
            .raw: [text("hello raw"), [0, 0xFF, 0x10, 0x00]],
            .admin: [
                text("POST /v1/nodes/drain HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nx"),
                text("POST /v1/cheap HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer nope\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n"),
                text("GET /v1/state HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"),
                text("PATCH /v1/nodes/weight?router=http HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\n{\"node\":\"1\",\"weight\":1e999}"),
            ],
            .stats: [text("GET / HTTP/1.1\r\n\r\n"), []],
            .subscription: subscriptions,
        ]
    }

    // MARK: Sending

    static func port(of target: Target, in process: FleetRouterProcess) throws -> Int {
        let bound: String?
        switch target {
        case .http: bound = process.boundAddress(.listener, router: "http")
        case .fast: bound = process.boundAddress(.listener, router: "fastrouter")
        case .raw: bound = process.boundAddress(.listener, router: "rawrouter")
        case .stats: bound = process.boundAddress(.stats, router: "http")
        case .admin: bound = process.boundAddress(.admin)
        case .subscription: bound = process.boundAddress(.subscription, router: "http")
        }
        guard let bound, let colon = bound.lastIndex(of: ":"), let port = Int(bound[bound.index(after: colon)...]) else {
            throw TestTimeout(what: "a bound \(target) socket")
        }
        return port
    }

    static func sendDatagrams(_ inputs: [[UInt8]], port: Int) throws {
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(port)"))
        // A full socket buffer drops datagrams (the kernel's right); a send error is not a router failure.
        for input in inputs { try? sender.send(input) }
    }

    /// Each input on its own connection: connect, send, half-close, read briefly, reset.
    static func sendStreams(_ inputs: [[UInt8]], port: Int, threads: Int) {
        let next = NIOLockedValueBox(0)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let index = next.withLockedValue { value -> Int in defer { value += 1 }; return value }
                    guard index < inputs.count else { return }
                    RawStream.exchange(inputs[index], port: port)
                }
            }.start()
        }
        group.wait()
    }
}

/// Bare blocking sockets with short timeouts and an RST close (no TIME_WAIT pile-up).
enum RawStream {
    static func exchange(_ bytes: [UInt8], port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(fd)
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        if !bytes.isEmpty {
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        shutdown(fd, Int32(SHUT_WR))
        var buffer = [UInt8](repeating: 0, count: 16384)
        // Bounded: at most a few reads, each bounded by the receive timeout.
        for _ in 0..<4 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
        }
    }
}

/// Deterministic PRNG (SplitMix64), so a failing run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// libFuzzer-style mutations of a seed: flips, inserts, deletes, truncation, splices,
/// interesting numbers and pure random bytes.
enum Mutator {
    static let interesting: [[UInt8]] = [
        Array("9223372036854775807".utf8), Array("18446744073709551616".utf8), Array("-1".utf8), Array("\r\n".utf8),
        Array("\r\n\r\n".utf8), [0xFF, 0xFF], [0x00, 0x00], [0x7F], Array("Content-Length: ".utf8), Array("%s%n".utf8),
    ]

    static func next(from seeds: [[UInt8]], random: inout SplitMix64) -> [UInt8] {
        if Int.random(in: 0..<10, using: &random) == 0 {
            return (0..<Int.random(in: 0..<600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        var bytes = seeds.randomElement(using: &random) ?? []
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            mutate(&bytes, seeds: seeds, random: &random)
        }
        return Array(bytes.prefix(70_000))
    }

    static func mutate(_ bytes: inout [UInt8], seeds: [[UInt8]], random: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        case 2 where !bytes.isEmpty: bytes.remove(at: position)
        case 3: bytes = Array(bytes.prefix(position))
        case 4: bytes.insert(contentsOf: interesting.randomElement(using: &random) ?? [], at: position)
        case 5:
            let other = seeds.randomElement(using: &random) ?? []
            bytes = Array(bytes.prefix(position)) + Array(other.dropFirst(Int.random(in: 0...other.count, using: &random)))
        case 6 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        case 7 where bytes.count >= 2:
            bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x20, 0x0A][Int.random(in: 0..<6, using: &random)]
        default: bytes.append(UInt8.random(in: 0...255, using: &random))
        }
    }
}
