import NIOConcurrencyHelpers
import NIOCore
import RouterCore
import RouterWire
import Testing
@testable import RouterRuntime

/// Node addresses are parsed once, when the node becomes known, and kept with the routing
/// state: a request finds its node's endpoint without parsing the address again.
@Suite("Node addresses parsed once")
struct NodeEndpointTableTests {
    /// Routes one request for `key` and finishes it; the endpoint routed to.
    static func routeOnce(_ engine: RouterEngine, key: String) throws -> NodeEndpoint {
        guard case .node(let target) = engine.route(key: ByteBuffer(string: key), clientAddress: nil) else {
            throw TestTimeout(what: "a node for \(key)")
        }
        engine.connected(target.lease)
        engine.finished(target.lease, bytesFromNode: 0, bytesToNode: 0)
        return target.endpoint
    }

    static func keptCount(_ engine: RouterEngine) -> Int {
        engine.core.withLockedValue { $0.endpoints.count }
    }

    @Test("static nodes and fallbacks are parsed at start; every request to a node gets the same endpoint")
    func staticNodes() throws {
        let engine = try RouterEngineTests.engine([
            "--http", ":0", "--http-to", "127.0.0.1:4001", "--http-to", "/run/app.sock", "--http-fallback", "127.0.0.1:4009"])
        #expect(Self.keptCount(engine) == 3)
        var seen: [String: NodeEndpoint] = [:]
        for _ in 0..<6 {
            let endpoint = try Self.routeOnce(engine, key: "app.local")
            if let earlier = seen[endpoint.name] { #expect(earlier === endpoint, "\(endpoint.name) parsed again") }
            seen[endpoint.name] = endpoint
        }
        #expect(Set(seen.keys) == ["127.0.0.1:4001", "/run/app.sock"])
        #expect(seen["/run/app.sock"]?.socketAddress.pathname == "/run/app.sock")
        #expect(Self.keptCount(engine) == 3)
    }

    @Test("a subscription's node is parsed when announced, not when routed to")
    func subscriptionNodes() throws {
        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        #expect(Self.keptCount(engine) == 0)
        try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")))
        let kept = try #require(engine.core.withLockedValue { $0.endpoints["127.0.0.1:4000"] })
        #expect(kept.socketAddress.port == 4000)
        #expect(try Self.routeOnce(engine, key: "app.local") === kept)
        #expect(try Self.routeOnce(engine, key: "app.local") === kept)
        // A re-announce keeps the endpoint already parsed.
        try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")))
        #expect(try Self.routeOnce(engine, key: "app.local") === kept)
        // An unsubscribe parses nothing new.
        try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "127.0.0.1:4001")))
        #expect(Self.keptCount(engine) == 1)
    }

    @Test("a computed mapper's address is parsed on its first use and kept")
    func computedNodes() throws {
        let engine = try RouterEngineTests.engine(["--fastrouter", ":0", "--fastrouter-use-pattern", "%s"])
        #expect(Self.keptCount(engine) == 0)
        let first = try Self.routeOnce(engine, key: "127.0.0.1:4005")
        #expect(first.socketAddress.port == 4005)
        #expect(try Self.routeOnce(engine, key: "127.0.0.1:4005") === first)
        #expect(Self.keptCount(engine) == 1)
        // An address that does not parse is refused as before, and not kept.
        let refused = engine.route(key: ByteBuffer(string: "127.0.0.1:99999"), clientAddress: nil)
        guard case .refused(.retriesExhausted) = refused else {
            Issue.record("expected a refusal, got \(refused)")
            return
        }
        #expect(Self.keptCount(engine) == 1)
    }

    @Test("the table is bounded: past its capacity it starts again, and a dropped node is parsed on its next use")
    func bounded() throws {
        var table = NodeEndpointTable()
        for port in 0..<NodeEndpointTable.capacity {
            table.insert(NodeEndpoint(name: "127.0.0.1:\(port)", socketAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port)))
        }
        #expect(table.count == NodeEndpointTable.capacity)
        let again = NodeEndpoint(name: "127.0.0.1:0", socketAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        table.insert(again)
        #expect(table["127.0.0.1:0"] !== again, "an address kept already is not replaced")
        table.insert(NodeEndpoint(name: "127.0.0.2:1", socketAddress: try SocketAddress(ipAddress: "127.0.0.2", port: 1)))
        #expect(table.count == 1)
        #expect(table["127.0.0.2:1"] != nil && table["127.0.0.1:1"] == nil)
    }

    @Test("5,000 seeded random inserts and lookups (addresses sharing prefixes, repeats) agree with a dictionary")
    func agreesWithDictionary() throws {
        var table = NodeEndpointTable()
        var reference: [String: NodeEndpoint] = [:]
        var state: UInt64 = 0xE1D_7AB1E
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for step in 0..<5_000 {
            let port = next(6_000)
            let name = next(4) == 0 ? "/run/app-\(port).sock" : "127.0.\(port % 3).\(port % 250):\(port)"
            if next(2) == 0 {
                let endpoint = NodeEndpoint(name: name, socketAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port))
                if reference[name] == nil {
                    if reference.count >= NodeEndpointTable.capacity { reference.removeAll() }
                    reference[name] = endpoint
                }
                table.insert(endpoint)
            }
            #expect(table[name] === reference[name], "step \(step): \(name)")
            #expect(table.count == reference.count, "step \(step)")
        }
        for (name, endpoint) in reference { #expect(table[name] === endpoint, "\(name)") }
    }
}
