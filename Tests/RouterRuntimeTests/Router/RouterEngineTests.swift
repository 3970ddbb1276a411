import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("RouterEngine without a network")
struct RouterEngineTests {
    static func engine(_ arguments: [String], clock: ManualClock = ManualClock()) throws -> RouterEngine {
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { _ in "" }
        guard let spec = configuration.routers.first else { throw TestTimeout(what: "a router in \(arguments)") }
        return try RouterEngine(
            spec: spec, global: configuration, sessions: SessionTable(group: RouterHarness.group), clock: clock, logger: quietLogger)
    }

    static func datagram(_ packet: SubscriptionPacket) throws -> SubscriptionDatagram {
        SubscriptionDatagram(bytes: try packet.encoded(), sender: nil, listener: "test")
    }

    @Test("a node that stops announcing is swept by expire() after the tolerance, and a cheap router goes cheap")
    func expiry() throws {
        let clock = ManualClock()
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0", "--http-cheap", "--subscription-tolerance", "5"], clock: clock)
        #expect(engine.isCheap)
        try engine.receive(Self.datagram(SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")))
        #expect(!engine.isCheap)
        clock.advance(by: .seconds(4))
        engine.expire()
        #expect(engine.knows(OperatorTarget(key: "app.local", address: "127.0.0.1:4000")))
        clock.advance(by: .seconds(2))
        engine.expire()
        #expect(!engine.knows(OperatorTarget(key: "app.local", address: "127.0.0.1:4000")))
        #expect(engine.isCheap)
    }

    @Test("datagrams dropped by the trust checks appear by reason in the stats document, as in /metrics")
    func dropsInStats() async throws {
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0", "--subscription-allow", "10.0.0.0/8"])
        // No subscription server attached: the key is absent, not a row of zeros.
        #expect(try await engine.statsDocument().subscriptionDrops == nil)
        let counters = SubscriptionCounters()
        engine.attach(subscriptionCounters: counters)
        let intake = SubscriptionIntake(
            listener: "test", sink: engine, counters: counters, logger: quietLogger,
            limiter: LogRateLimiter(), now: { NIODeadline.now() })
        let bytes = try SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000").encoded()
        let outsider = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        let insider = try SocketAddress(ipAddress: "10.1.2.3", port: 40000)
        intake.take([outsider, outsider, outsider, insider].map { sender in
            // As the receiver reads them: raw, made an address only for the allow-list check.
            ReceivedDatagram(bytes: bytes, size: bytes.readableBytes, sender: DatagramSender(raw: sender), credentials: nil)
        })

        let document = try await engine.statsDocument()
        var expected = Dictionary(uniqueKeysWithValues: SubscriptionDropReason.allCases.map { ($0.rawValue, UInt64(0)) })
        expected["source"] = 3
        #expect(document.subscriptionDrops == expected)
        #expect(counters.snapshot.accepted == 1)
        // Both decoders read the key back from the served bytes.
        let served = Array(try await engine.encodedStats().readableBytesView)
        #expect(try StatsDocument.decode(strict: served).subscriptionDrops == expected)
        #expect(try StatsDocument.decode(lenient: served).subscriptionDrops == expected)
    }

    @Test("a plain re-announce's event leaves the lock only when someone hears it; a revival always does")
    func refreshEventsAreKeptWhenWanted() throws {
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        let announce = try SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000").encoded()
        try engine.receive(SubscriptionDatagram(bytes: announce, sender: nil, listener: "test"))
        let scanned = try #require(announce.withUnsafeReadableBytes { SubscriptionRefresh.scan($0) })
        let item = RouterEngine.AdmittedPacket(index: 0, content: .inPlace(scanned))
        try engine.replicas[0].core.withLockedValue { core in
            let unheard = try core.apply(item, bytes: announce, keepingRefresh: false)
            #expect(unheard.refreshed == nil && unheard.events.isEmpty && unheard.packet == nil)
            let heard = try core.apply(item, bytes: announce, keepingRefresh: true)
            #expect(heard.refreshed == .nodeRefreshed(key: "app.local", address: "127.0.0.1:4000", revived: false))
            // Held by a request, then unsubscribed: death-marked, not removed; the re-announce
            // revives it, and that is published whoever listens.
            var events: [RouterEvent] = []
            #expect(core.state.route(key: "app.local", client: nil, events: &events)?.address == "127.0.0.1:4000")
            _ = try core.state.apply(SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "127.0.0.1:4000"))
            let revival = try core.apply(item, bytes: announce, keepingRefresh: false)
            #expect(revival.refreshed == .nodeRefreshed(key: "app.local", address: "127.0.0.1:4000", revived: true))
        }
        // The engine asks for refresh events while an events() stream is open, not before.
        #expect(!engine.hasEventObservers)
        let stream = engine.events()
        #expect(engine.hasEventObservers)
        _ = stream
    }

    @Test("bad datagrams throw and change nothing")
    func badDatagram() throws {
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        #expect(throws: (any Error).self) {
            try engine.receive(SubscriptionDatagram(bytes: ByteBuffer(bytes: [0, 9, 0, 0, 1]), sender: nil, listener: "test"))
        }
        #expect(throws: (any Error).self) {
            try engine.receive(Self.datagram(SubscriptionPacket(key: "", address: "127.0.0.1:4000")))
        }
        #expect(engine.withState { $0.table.isEmpty })
    }

    @Test("a failed connect retries the next node under the same lease; an unresolvable node counts as a failure")
    func retries() throws {
        let engine = try Self.engine(["--fastrouter", ":0", "--fastrouter-to", "127.0.0.1:4001", "--fastrouter-to", "/nonexistent/\(String(repeating: "x", count: 92))", "--fastrouter-to", "127.0.0.1:4002", "--fastrouter-max-retries", "1"])
        guard case .node(let first) = engine.route(key: ByteBuffer(string: "k"), clientAddress: nil) else {
            Issue.record("expected a node")
            return
        }
        #expect(first.endpoint.name == "127.0.0.1:4001")
        // The second static node's 105-byte path is longer than NIO takes (103): skipped as a failure,
        // which uses the one retry, so the third node is not tried.
        let next = engine.connectFailed(first.lease, error: ChannelError.connectTimeout(.seconds(1)))
        guard case .refused(let refusal) = next else {
            Issue.record("expected a refusal, got \(next)")
            return
        }
        #expect(refusal == .retriesExhausted)
        #expect(engine.counters.connectFailures == 2)
        #expect(engine.counters.retriesExhausted == 1)
    }

    @Test("a session's node is held until finished, with its bytes counted")
    func leaseLifecycle() throws {
        let engine = try Self.engine(["--rawrouter", ":0", "--rawrouter-to", "127.0.0.1:4001"])
        guard case .node(let target) = engine.route(key: ByteBuffer(string: ":0"), clientAddress: nil) else {
            Issue.record("expected a node")
            return
        }
        engine.connected(target.lease)
        #expect(engine.withState { $0.staticNodes.nodes[0].ref } == 1)
        engine.finished(target.lease, bytesFromNode: 10, bytesToNode: 3)
        let node = engine.withState { $0.staticNodes.nodes[0] }
        #expect(node.ref == 0 && node.hits == 1 && node.tx == 10 && node.rx == 3)
        // A second finish for the same lease is ignored.
        engine.finished(target.lease, bytesFromNode: 10, bytesToNode: 3)
        #expect(engine.withState { $0.staticNodes.nodes[0].tx } == 10)
    }

    @Test("each request routes by its own key, whether it repeats the last one or not")
    func keysInTurn() throws {
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        try engine.receive(Self.datagram(SubscriptionPacket(key: "a.local", address: "127.0.0.1:4001")))
        try engine.receive(Self.datagram(SubscriptionPacket(key: "b.local", address: "127.0.0.1:4002")))
        // Same length and different bytes, the same bytes again, a prefix, and no key.
        for (key, node) in [("a.local", "127.0.0.1:4001"), ("a.local", "127.0.0.1:4001"), ("b.local", "127.0.0.1:4002"),
                            ("a.local", "127.0.0.1:4001"), ("a.loca", nil), ("", nil), ("b.local", "127.0.0.1:4002")] {
            let decision = engine.route(key: ByteBuffer(string: key), clientAddress: nil)
            switch decision {
            case .node(let target):
                #expect(target.endpoint.name == node, "key \(key)")
                engine.finished(target.lease, bytesFromNode: 1, bytesToNode: 1)
            case .refused, .pending:
                #expect(node == nil, "key \(key): \(decision)")
            }
        }
        #expect(engine.counters.noKey == 1 && engine.counters.noNode == 1)
    }

    @Test("no key and no node are refused with the data plane's reasons")
    func refusals() throws {
        let engine = try Self.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        guard case .refused(.noKey) = engine.route(key: ByteBuffer(), clientAddress: nil) else {
            Issue.record("expected no key")
            return
        }
        guard case .refused(.noNode) = engine.route(key: ByteBuffer(string: "app.local"), clientAddress: nil) else {
            Issue.record("expected no node")
            return
        }
        #expect(engine.counters.noKey == 1 && engine.counters.noNode == 1)
    }

    @Test("iphash reads IPv4 clients as uWSGI does")
    func clientAddress() throws {
        let address = try SocketAddress(ipAddress: "10.0.0.1", port: 1)
        #expect(ClientAddress(socketAddress: address) == .ipv4(10, 0, 0, 1))
        let v6 = try SocketAddress(ipAddress: "::1", port: 1)
        #expect(ClientAddress(socketAddress: v6) == .ipv6(Array(repeating: 0, count: 15) + [1]))
    }
}
