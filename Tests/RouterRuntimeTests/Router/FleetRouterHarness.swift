import Foundation
import NIOConcurrencyHelpers
import RouterConfig
import RouterCore
import RouterCoreTesting
import RouterWire
@testable import RouterRuntime
import NIOCore

/// A fleetrouter process started in-process on loopback port 0, with helpers to subscribe
/// nodes, send requests, read stats and call the admin API.
struct FleetRouterHarness {
    static let token = "integ-\(UInt32.random(in: 0...UInt32.max))"

    let process: FleetRouterProcess
    let directory: String
    let announcements: NIOLockedValueBox<[String]>

    var engine: RouterEngine { process.engines[0] }

    /// The bound port of a socket of `role`.
    func port(_ role: FleetRouterProcess.BoundSocket.Role) throws -> Int {
        guard let bound = process.boundAddress(role), let colon = bound.lastIndex(of: ":"),
              let port = Int(bound[bound.index(after: colon)...]) else {
            throw TestTimeout(what: "a bound \(role) socket")
        }
        return port
    }

    /// The HTTP router options of every test: listener, subscription, stats and admin on port
    /// 0, with a token file and a state file in `directory`.
    static func arguments(directory: String, extra: [String] = []) -> [String] {
        [
            "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0",
            // The fake nodes run in this process beside every other test: under a sanitizer a
            // starved node can take seconds to answer, and the router would close the request.
            "--http-stats", "127.0.0.1:0", "--http-timeout", "\(5 * Slowdown.factor)",
            "--admin", "127.0.0.1:0", "--admin-token-file", "\(directory)/token",
            "--state-file", "\(directory)/state.json",
            // No test here is about expiry: with uWSGI's 17 s, a node announced once expires
            // mid-test when a sanitizer or a loaded machine slows the test down.
            "--subscription-tolerance", "3600",
        ] + extra
    }

    /// Starts a process from uWSGI-style `arguments` (files are read from disk).
    static func start(directory: String, arguments: [String]) async throws -> FleetRouterHarness {
        try (token + "\n").write(toFile: "\(directory)/token", atomically: true, encoding: .utf8)
        chmod("\(directory)/token", 0o600)
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments, fileReader: FleetRouterCommand.readFile)
        let lines = NIOLockedValueBox<[String]>([])
        let process = try await FleetRouterProcess.start(
            configuration: configuration.onTransportUnderTest, logger: quietLogger, shutdownGrace: .seconds(2), handleSignals: false,
            announce: { line in lines.withLockedValue { $0.append(line) } }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        return FleetRouterHarness(process: process, directory: directory, announcements: lines)
    }

    /// Sends one subscription packet to the router's subscription server.
    func subscribe(_ node: FakeUwsgiNode, key: String = "app.local", weight: UInt64? = nil, unsubscribe: Bool = false) throws {
        let packet = SubscriptionPacket(
            command: unsubscribe ? .unsubscribe(1) : .subscribe, key: key, address: "127.0.0.1:\(node.port)", weight: weight)
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(try port(.subscription))"))
        try sender.send(try packet.encoded())
    }

    /// Sends `GET /` with `Host: app.local` and reads the response.
    func get(host: String = "app.local") async throws -> HTTPTestResponse {
        let port = try port(.listener)
        return try await RouterHarness.blocking {
            let client = try BlockingClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
            return try client.readResponse()
        }
    }

    /// Reads and decodes the stats server's document (strictly, as uWSGI clients would).
    func stats() async throws -> StatsDocument {
        let port = try port(.stats)
        let bytes = try await RouterHarness.blocking {
            try BlockingClient(port: port).readToEnd()
        }
        return try StatsDocument.decode(strict: bytes)
    }

    /// One admin API call; `token` nil sends no Authorization header.
    func admin(_ method: String, _ path: String, body: String? = nil, token: String? = Self.token) async throws -> HTTPTestResponse {
        let port = try port(.admin)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "Content-Length: \(body?.utf8.count ?? 0)\r\n\r\n"
        let request = head + (body ?? "")
        return try await RouterHarness.blocking {
            let client = try BlockingClient(port: port)
            try client.send(request)
            return try client.readResponse()
        }
    }

    func stop() async {
        await process.shutdown()
    }
}

/// Waits (bounded) until the router has published events matching every predicate, in any
/// order, reading from a stream opened before the action that causes them.
func expectEvents(
    _ stream: AsyncStream<RouterEvent>, _ what: String, seconds: Double = 5,
    _ predicates: [@Sendable (RouterEvent) -> Bool]
) async throws {
    let box = UncheckedStream(stream: stream)
    try await withTimeout(seconds, what) {
        var pending = predicates
        var iterator = box.stream.makeAsyncIterator()
        while !pending.isEmpty, let event = await iterator.next() {
            if let index = pending.firstIndex(where: { $0(event) }) { pending.remove(at: index) }
        }
        if !pending.isEmpty { throw TestTimeout(what: what) }
    }
}

/// Carries a stream into the timeout task (the stream is consumed by one task at a time).
struct UncheckedStream: @unchecked Sendable {
    let stream: AsyncStream<RouterEvent>
}

/// A node was added under `key` at `port`.
func nodeAdded(_ port: Int, key: String = "app.local") -> @Sendable (RouterEvent) -> Bool {
    { if case .nodeAdded(let k, let address) = $0 { return k.string == key && address == "127.0.0.1:\(port)" }; return false }
}
