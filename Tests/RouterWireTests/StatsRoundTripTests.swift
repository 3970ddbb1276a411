import Foundation
import NIOCore
@testable import RouterWire
import Testing
import ThreadTesting

/// Builds random stats documents with hostile strings from a seeded generator.
struct StatsDocumentGenerator {
    var random: StatsTestRandom

    private static let pieces = [
        "a", "app.local", "127.0.0.1:3031", "\"", "\\", "\\\"", "\",", "\"}", "\":", "\t", "\n", "\r",
        "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", " ", "é", "€", "𝄞", "\u{2028}", "\u{FFFD}", "{", "]", "/", "\\u0041",
    ]

    mutating func string() -> String {
        let count = Int.random(in: 0...6, using: &random)
        return (0..<count).map { _ in Self.pieces.randomElement(using: &random) ?? "" }.joined()
    }

    mutating func number() -> UInt64 {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return 0
        case 1: return UInt64.random(in: 0..<100, using: &random)
        case 2: return UInt64.max
        default: return random.next()
        }
    }

    mutating func maybe<T>(_ make: (inout Self) -> T) -> T? {
        Bool.random(using: &random) ? make(&self) : nil
    }

    mutating func operatorFields() -> StatsDocument.OperatorFields {
        .init(
            state: maybe { $0.pick(StatsDocument.NodeState.allCases) },
            drain: maybe { UInt64.random(in: 0...1, using: &$0.random) },
            operatorWeight: maybe { $0.number() }
        )
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &random)]
    }

    mutating func list<T>(upTo max: Int, _ make: (inout Self) -> T) -> [T] {
        (0..<Int.random(in: 0...max, using: &random)).map { _ in make(&self) }
    }

    mutating func node() -> StatsDocument.Node {
        .init(
            name: string(), vassal: maybe { $0.string() }, modifier1: number(), modifier2: number(),
            lastCheck: number(), pid: number(), uid: number(), gid: number(), requests: number(),
            lastRequests: number(), tx: number(), rx: number(), cores: number(), load: number(),
            weight: number(), backup: maybe { $0.number() }, proto: maybe { $0.string() }, wrr: number(),
            ref: number(), failcnt: number(), deathMark: number(), operatorFields: operatorFields()
        )
    }

    mutating func tlsState() -> StatsDocument.TLSState {
        .init(
            listeners: list(upTo: 2) { generator in
                var failures: [String: UInt64] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &generator.random) { failures[generator.string()] = generator.number() }
                return .init(name: generator.string(), certificate: generator.string(), expires: generator.number(),
                             handshakes: generator.number(), handshakeFailures: failures)
            },
            sni: list(upTo: 3) { .init(name: $0.string(), source: $0.string(), certificate: $0.string(), expires: $0.number()) },
            sniFailures: number(), reloads: number(), reloadFailures: number(), lastReloadError: maybe { $0.string() })
    }

    mutating func document() -> StatsDocument {
        let tuntap = Int.random(in: 0..<5, using: &random) == 0
        var document = StatsDocument(
            version: string(), pid: number(), uid: number(), gid: number(), cwd: string(),
            activeSessions: tuntap ? nil : number(),
            listeners: tuntap ? nil : .init(
                routerName: pick(["http", "fastrouter", "rawrouter", "sslrouter", "forkptyrouter"]),
                addresses: list(upTo: 3) { $0.string() }
            ),
            staticNodes: maybe { $0.list(upTo: 3) { .init(name: $0.string(), hits: $0.number(), grace: $0.number(), operatorFields: $0.operatorFields()) } },
            subscriptions: maybe {
                $0.list(upTo: 3) {
                    .init(
                        key: $0.string(), hash: $0.number(), hits: $0.number(),
                        sniEnabled: $0.maybe { $0.number() }, algo: $0.maybe { $0.string() },
                        nodes: $0.list(upTo: 3) { $0.node() }
                    )
                }
            },
            peers: tuntap ? list(upTo: 2) {
                .init(addr: $0.string(), addr32: $0.number(), uid: $0.number(), gid: $0.number(), pid: $0.number(), tx: $0.number(), rx: $0.number(), dropped: $0.number())
            } : nil,
            cheap: tuntap ? nil : UInt64.random(in: 0...1, using: &random),
            kind: maybe { $0.string() }, admin: maybe { $0.string() }, adminRouter: maybe { $0.string() },
            cheapMode: maybe { $0.pick(StatsDocument.CheapMode.allCases) },
            sessions: maybe {
                $0.list(upTo: 3) {
                    .init(client: $0.string(), key: $0.string(), node: $0.string(), age: $0.number(), tx: $0.number(), rx: $0.number(), state: $0.string())
                }
            },
            refusedConnections: maybe { $0.number() },
            subscriptionDrops: maybe { generator in
                var drops: [String: UInt64] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &generator.random) { drops[generator.string()] = generator.number() }
                return drops
            }
        )
        if tuntap {
            document.peers = document.peers?.map { peer in
                var peer = peer
                peer.txPackets = maybe { $0.number() }
                peer.rxPackets = maybe { $0.number() }
                return peer
            }
            document.tuntapFirewall = maybe {
                .init(inbound: $0.list(upTo: 2) { $0.string() }, outbound: $0.list(upTo: 2) { $0.string() }, routes: $0.list(upTo: 2) { $0.string() })
            }
        } else {
            document.tls = maybe { $0.tlsState() }
        }
        return document
    }
}

@Suite("Stats document: encoding and round trips", .ownThread)
struct StatsRoundTripTests {
    @Test("the tls key: listeners with expiry and failures by reason, SNI contexts, reloads; after uWSGI's keys, before cheap")
    func tlsKey() throws {
        var document = StatsDocument(version: "fleetrouter", pid: 1, cwd: "/", listeners: .init(routerName: "http", addresses: [":8443"]))
        document.tls = .init(
            listeners: [.init(name: "127.0.0.1:8443", certificate: "/etc/tls/a.crt", expires: 1_800_000_000, handshakes: 12,
                              handshakeFailures: ["timeout": 2, "no_certificate": 1, "protocol": 0])],
            sni: [.init(name: "a.example", source: "subscription", certificate: "/etc/tls/sub.crt", expires: 1_790_000_000)],
            sniFailures: 1, reloads: 3, reloadFailures: 1, lastReloadError: "/etc/tls/a.key (private key) does not exist")
        let text = String(decoding: document.encodeJSON(), as: UTF8.self)
        #expect(text.contains(#""tls":{"listeners":[{"name":"127.0.0.1:8443","certificate":"/etc/tls/a.crt","expires":1800000000,"handshakes":12,"handshake_failures":{"no_certificate":1,"protocol":0,"timeout":2}}]"#), "\(text)")
        #expect(text.contains(#""sni":[{"name":"a.example","source":"subscription","certificate":"/etc/tls/sub.crt","expires":1790000000}]"#))
        #expect(text.hasSuffix(#","cheap":0}"#))
        #expect(try StatsDocument.decode(strict: Array(text.utf8)) == document)
        #expect(try StatsDocument.decodeThroughTree(lenient: Array(text.utf8)) == document)
        #expect(document.tls?.earliestExpiry == 1_790_000_000)
        #expect(document.tls?.listeners.first?.failedHandshakes == 3)
        // A uWSGI document has no such key.
        let plain = StatsDocument(version: "2.0.21", pid: 1, cwd: "/", listeners: .init(routerName: "http", addresses: [":80"]))
        #expect(try StatsDocument.decode(strict: plain.encodeJSON()).tls == nil)
    }

    @Test("a tls key of the wrong shape names the member at fault")
    func tlsKeyErrors() {
        let bad = #"{"version":"x","pid":1,"uid":0,"gid":0,"cwd":"/","http":[],"tls":{"listeners":[{"name":"a"}]},"cheap":0}"#
        #expect(throws: WireError.self) { try StatsDocument.decode(lenient: Array(bad.utf8)) }
        let wrongType = #"{"version":"x","pid":1,"uid":0,"gid":0,"cwd":"/","http":[],"tls":{"reloads":"many"},"cheap":0}"#
        #expect(throws: WireError.self) { try StatsDocument.decode(lenient: Array(wrongType.utf8)) }
    }

    @Test("random documents with hostile strings round-trip through both styles and both decoders")
    func randomRoundTrips() async throws {
        var generator = StatsDocumentGenerator(random: StatsTestRandom(seed: 0x5747_4154))
        for round in 0..<400 {
            let document = generator.document()
            for style in [JSONStyle.compact, .pretty] {
                let bytes = document.encodeJSON(style: style)
                #expect(try StatsDocument.decode(strict: bytes) == document, "round \(round) \(style)")
                #expect(try StatsDocument.decode(lenient: bytes) == document, "round \(round) \(style)")
                // Foundation agrees it is JSON, and reads the same strings.
                let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
                #expect(object?["cwd"] as? String == document.cwd, "round \(round)")
                #expect(object?["version"] as? String == document.version, "round \(round)")
            }
        }
    }

    @Test("names holding quotes and control bytes encode as escaped, strictly valid JSON")
    func escaping() throws {
        let name = "a\"b\\c\u{0}\u{1F}\t\n\r\u{7F}é"
        let document = StatsDocument(
            version: "x", pid: 1, cwd: "/", listeners: .init(routerName: "http", addresses: [name]),
            staticNodes: [.init(name: name)], kind: "http"
        )
        let text = String(decoding: document.encodeJSON(), as: UTF8.self)
        #expect(text.contains(#""a\"b\\c\u0000\u001F\t\n\r\#u{7F}é""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((object["http"] as? [String])?.first == name)
        #expect(((object["static_nodes"] as? [[String: Any]])?.first?["name"] as? String) == name)
    }

    @Test("Fleettop keys follow each object's uWSGI keys; cheap stays last")
    func fleettopKeyOrder() throws {
        let node = StatsDocument.Node(name: "n", vassal: "v", backup: 1, proto: "", operatorFields: .init(state: .drained, drain: 1, operatorWeight: 4))
        let document = StatsDocument(
            version: "f", pid: 2, cwd: "/", activeSessions: 1,
            listeners: .init(routerName: "rawrouter", addresses: [":1"]),
            staticNodes: [.init(name: "s", operatorFields: .init(state: .ready))],
            subscriptions: [.init(key: "k", hash: 3, algo: "wrr", nodes: [node])],
            cheap: 0, kind: "rawrouter", admin: "127.0.0.1:9", cheapMode: .auto,
            sessions: [.init(client: "c", key: "k", node: "n", age: 1, tx: 2, rx: 3, state: "relaying")]
        )
        let json = try JSONValue(parsing: document.encodeJSON())
        #expect(json.keys == ["version", "pid", "uid", "gid", "cwd", "active_sessions", "rawrouter", "static_nodes", "subscriptions", "kind", "admin", "cheap_mode", "sessions", "cheap"])
        guard case .array(let slots)? = json["subscriptions"], case .array(let nodes)? = slots.first?["nodes"],
              case .array(let statics)? = json["static_nodes"], case .array(let sessions)? = json["sessions"]
        else { Issue.record("missing arrays"); return }
        #expect(slots.first?.keys == ["key", "hash", "hits", "sni_enabled", "algo", "nodes"])
        #expect(nodes.first?.keys == [
            "name", "vassal", "modifier1", "modifier2", "last_check", "pid", "uid", "gid", "requests", "last_requests",
            "tx", "rx", "cores", "load", "weight", "backup", "proto", "wrr", "ref", "failcnt", "death_mark",
            "state", "drain", "operator_weight",
        ])
        #expect(statics.first?.keys == ["name", "hits", "grace", "state"])
        #expect(sessions.first?.keys == ["client", "key", "node", "age", "tx", "rx", "state"])
        #expect(try StatsDocument.decode(strict: document.encodeJSON(style: .pretty)) == document)
    }

    @Test("Codable through Foundation's JSONEncoder/JSONDecoder round-trips (order aside)")
    func codable() throws {
        var generator = StatsDocumentGenerator(random: StatsTestRandom(seed: 7))
        for _ in 0..<50 {
            let document = generator.document()
            let data = try JSONEncoder().encode(document)
            #expect(try JSONDecoder().decode(StatsDocument.self, from: data) == document)
            #expect(try StatsDocument.decode(strict: Array(data)) == document)
        }
        let sample = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/02-after-requests.http-router.json"))
        #expect(try JSONDecoder().decode(StatsDocument.self, from: Data(sample.encodeJSON())) == sample)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StatsDocument.self, from: Data(#"{"pid":-1}"#.utf8)) }
    }

    @Test("encoding into a ByteBuffer appends the same bytes")
    func byteBuffer() throws {
        let document = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/01-subscribed.http-router.raw.json"))
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        buffer.writeString("X")
        document.encodeJSON(into: &buffer, style: .pretty)
        #expect(buffer.readableBytesView.dropFirst().elementsEqual(document.encodeJSON(style: .pretty)))
        #expect(try StatsDocument.decode(lenient: buffer.getSlice(at: 1, length: buffer.readableBytes - 1) ?? buffer) == document)
    }
}
