import NIOCore
@testable import RouterWire
import Testing

/// A watch's delta lines: what a sender writes is what a receiver makes of the previous
/// document, or the sender writes the whole document.
@Suite("Stats document: watch deltas")
struct StatsDeltaTests {
    /// A fleetrouter-style document: two keys of three nodes, a static node, sessions count.
    static func base() -> StatsDocument {
        let nodes = (1...3).map { StatsDocument.Node(name: "10.0.0.\($0):3031", requests: UInt64($0) * 10, tx: 700, rx: 300, cores: 4,
                                                     operatorFields: .init(state: .ready, drain: 0)) }
        return StatsDocument(
            version: "fleetrouter 0.1.0", pid: 42, cwd: "/srv", activeSessions: 3,
            listeners: .init(routerName: "http", addresses: ["127.0.0.1:8080"]),
            staticNodes: [.init(name: "10.0.1.1:3031", hits: 5, operatorFields: .init(state: .ready))],
            subscriptions: [.init(key: "a.example", hash: 7, hits: 60, nodes: nodes),
                            .init(key: "b.example", hash: 9, hits: 0, nodes: nodes)],
            kind: "http", adminRouter: "http", cheapMode: .auto, refusedConnections: 0)
    }

    /// The document `delta` makes of `previous`, through the receiver's own path.
    static func apply(_ delta: [UInt8], to previous: StatsDocument) throws -> StatsDocument {
        try previous.applying(delta: ByteBuffer(bytes: delta))
    }

    @Test("counters, loads, operator fields and session counts go as deltas that give the new document back")
    func changesRoundTrip() throws {
        let before = Self.base()
        var random = StatsTestRandom(seed: 0xD317A)
        for round in 0..<200 {
            var after = before
            after.activeSessions = UInt64.random(in: 0...1_000, using: &random)
            after.refusedConnections = UInt64.random(in: 0...3, using: &random)
            after.cheap = UInt64.random(in: 0...1, using: &random)
            for slot in after.subscriptions!.indices where Bool.random(using: &random) {
                after.subscriptions![slot].hits += UInt64.random(in: 0...100, using: &random)
                for node in after.subscriptions![slot].nodes.indices where Bool.random(using: &random) {
                    after.subscriptions![slot].nodes[node].requests += UInt64.random(in: 0...UInt64.max / 4, using: &random)
                    after.subscriptions![slot].nodes[node].tx = UInt64.random(in: 0...UInt64.max, using: &random)
                    after.subscriptions![slot].nodes[node].load = UInt64.random(in: 0...64, using: &random)
                    after.subscriptions![slot].nodes[node].lastCheck = UInt64.random(in: 0...2_000_000_000, using: &random)
                    after.subscriptions![slot].nodes[node].operatorFields.state = StatsDocument.NodeState.allCases.randomElement(using: &random)
                    after.subscriptions![slot].nodes[node].operatorFields.operatorWeight = UInt64.random(in: 1...9, using: &random)
                    if Bool.random(using: &random) { after.subscriptions![slot].nodes[node].backup = 1 }
                }
            }
            after.staticNodes![0].hits += UInt64.random(in: 0...9, using: &random)
            after.staticNodes![0].operatorFields.drain = UInt64.random(in: 0...1, using: &random)
            let delta = try #require(after.deltaJSON(from: before), "round \(round)")
            #expect(StatsDocument.isDelta(ByteBuffer(bytes: delta)))
            #expect(try Self.apply(delta, to: before) == after, "round \(round)")
            // A delta carries the changes, not the document.
            #expect(delta.count < before.encodeJSON().count, "round \(round)")
        }
    }

    @Test("a delta names only what changed; an unchanged node is an empty object")
    func exactText() throws {
        let before = Self.base()
        var after = before
        after.subscriptions![1].nodes[2].requests = 31
        after.subscriptions![1].nodes[2].lastRequests = 1
        after.activeSessions = 4
        let delta = try #require(after.deltaJSON(from: before))
        #expect(String(decoding: delta, as: UTF8.self)
            == #"{"delta":{"active_sessions":4,"subscriptions":[{},{"nodes":[{},{},{"requests":31,"last_requests":1}]}]}}"#)
    }

    @Test("changes a delta cannot carry send the whole document")
    func structuralChangesAreNotDeltas() {
        let before = Self.base()
        var changes: [(String, (inout StatsDocument) -> Void)] = [
            ("a node renamed", { $0.subscriptions![0].nodes[1].name = "10.0.0.9:3031" }),
            ("a node added", { $0.subscriptions![0].nodes.append(.init(name: "10.0.0.4:3031")) }),
            ("a node gone", { $0.subscriptions![1].nodes.removeLast() }),
            ("a key gone", { $0.subscriptions!.removeLast() }),
            ("a key renamed", { $0.subscriptions![0].key = "c.example" }),
            ("the version", { $0.version = "fleetrouter 0.2.0" }),
            ("the pid (a restart)", { $0.pid = 43 }),
            ("the listeners", { $0.listeners?.addresses.append("127.0.0.1:8081") }),
            ("the cheap mode setting", { $0.cheapMode = .on }),
            ("an operator field gone", { $0.subscriptions![0].nodes[0].operatorFields.drain = nil }),
            ("sessions listed", { $0.sessions = [] }),
            ("the static node renamed", { $0.staticNodes![0].name = "10.0.1.2:3031" }),
            ("subscription drops", { $0.subscriptionDrops = ["source": 1] }),
        ]
        changes.append(("the slots gone", { $0.subscriptions = nil }))
        for (label, change) in changes {
            var after = before
            change(&after)
            #expect(after.deltaJSON(from: before) == nil, "\(label)")
        }
    }

    @Test("a delta that does not fit the previous document, or the format, is refused naming the byte")
    func malformedDeltas() throws {
        let before = Self.base()
        let bad = [
            #"{"delta":{"subscriptions":[{}]}}"#,                                // one slot of two
            #"{"delta":{"subscriptions":[{},{},{}]}}"#,                          // three of two
            #"{"delta":{"subscriptions":[{"nodes":[{},{}]},{}]}}"#,              // two nodes of three
            #"{"delta":{"subscriptions":[{"nodes":[{"name":"x"},{},{}]},{}]}}"#, // a rename
            #"{"delta":{"version":"2"}}"#,                                       // not a delta member
            #"{"delta":{"active_sessions":null}}"#,
            #"{"delta":{"active_sessions":-1}}"#,
            #"{"delta":{"active_sessions":99999999999999999999}}"#,
            #"{"delta":{"peers":[]}}"#,
            #"{"delta":{}} trailing"#,
            #"{"delta":{},"more":1}"#,
            #"{"delta":[]}"#,
            #"{"delta":{"subscriptions":[{"nodes":[{"state":"sleeping"},{},{}]},{}]}}"#,
            #"{"delta":{"static_nodes":[{"name":"x"}]}}"#,
            #"{"delta":{"subscriptions":[{"hits":"1"},{}]}}"#,
            #"{"delta":{"subscriptions":[{"hits":1},{}"#,
        ]
        for text in bad {
            #expect(throws: WireError.self, "\(text)") { try Self.apply(Array(text.utf8), to: before) }
            do {
                _ = try Self.apply(Array(text.utf8), to: before)
            } catch {
                #expect("\(error)".contains("watch delta") && "\(error)".contains("byte"), "\(text): \(error)")
            }
        }
        // A document without slots takes no slot delta.
        var bare = before
        bare.subscriptions = nil
        #expect(throws: WireError.self) { try Self.apply(Array(#"{"delta":{"subscriptions":[]}}"#.utf8), to: bare) }
        // An empty delta changes nothing.
        #expect(try Self.apply(Array(#"{"delta":{}}"#.utf8), to: before) == before)
    }

    @Test("whole documents are not deltas")
    func detection() {
        #expect(!StatsDocument.isDelta(ByteBuffer(bytes: Self.base().encodeJSON())))
        #expect(!StatsDocument.isDelta(ByteBuffer(string: "{\"delt")))
        #expect(StatsDocument.isDelta(ByteBuffer(string: "{\"delta\":{}}")))
    }
}
