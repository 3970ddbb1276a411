import Foundation
import RouterWire
import Testing

@Suite("Stats document: captured uWSGI samples")
struct StatsSampleTests {
    @Test("every router sample decodes and re-encodes with uWSGI's key order", arguments: try StatsSamples.routerDocuments())
    func sampleDecodes(path: String) throws {
        let bytes = try StatsSamples.bytes(path)
        let document = try StatsDocument.decode(lenient: bytes)
        #expect(document.version == "2.0.21-debian")
        #expect(document.cwd == "/srv/app")
        #expect(document.listeners?.routerName == (path.contains("fastrouter") ? "fastrouter" : "http"))
        #expect(document.listeners?.addresses.count == 2)
        #expect(document.cheap != nil)

        // Same key sequence, at every level, as the sample.
        let original = try JSONValue(parsing: bytes)
        let reencoded = try JSONValue(parsing: document.encodeJSON())
        #expect(Self.keyPaths(reencoded) == Self.keyPaths(original))
        #expect(reencoded == original)
        #expect(try StatsDocument.decode(strict: document.encodeJSON()) == document)
    }

    @Test("instance --stats samples are refused as not being router documents", arguments: try StatsSamples.instanceDocuments())
    func instanceDocumentRefused(path: String) throws {
        let error = #expect(throws: WireError.self) { try StatsDocument.decode(lenient: StatsSamples.bytes(path)) }
        guard case .malformedStats(let reason) = error else { Issue.record("wrong error \(String(describing: error))"); return }
        #expect(reason.contains("not a router stats document"))
        #expect(reason.contains("instance --stats"))
    }

    @Test("uWSGI's exact bytes decode and pretty encoding reproduces them byte for byte")
    func rawBytesRoundTrip() throws {
        let raw = try StatsSamples.bytes("stats/01-subscribed.http-router.raw.json")
        #expect(raw.contains(0x09))
        #expect(raw.last == UInt8(ascii: "}"))
        let document = try StatsDocument.decode(lenient: raw)
        #expect(document.pid == 1619)
        #expect(document.listeners == .init(routerName: "http", addresses: ["127.0.0.1:18080", "127.0.0.1:17070"]))
        #expect(document.subscriptions?.first?.key == "app.local")
        #expect(document.subscriptions?.first?.hash == 52178)
        #expect(document.subscriptions?.first?.nodes.map(\.name) == ["127.0.0.1:13031", "127.0.0.1:13032", "127.0.0.1:13033"])
        #expect(document.encodeJSON(style: .pretty) == raw)
        // Compact output is the raw document without its layout whitespace.
        let minified = raw.filter { $0 != 0x09 && $0 != 0x0A }
        #expect(document.encodeJSON(style: .compact) == minified)
        // And the same data as the re-indented sample.
        #expect(try StatsDocument.decode(lenient: StatsSamples.bytes("stats/01-subscribed.http-router.json")) == document)
    }

    @Test("02 after requests: 10/10/10 round robin, hits 30")
    func afterRequests() throws {
        for router in ["http-router", "fastrouter"] {
            let document = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/02-after-requests.\(router).json"))
            let slot = try #require(document.subscriptions?.first)
            #expect(document.subscriptions?.count == 1)
            #expect(slot.key == "app.local")
            #expect(slot.hits == 30)
            #expect(slot.nodes.map(\.requests) == [10, 10, 10])
            #expect(slot.nodes.allSatisfy { $0.deathMark == 0 && $0.ref == 0 })
        }
    }

    @Test("03c lenient packets: weight=abc stored as 5451, three slots in hash order")
    func lenientPackets() throws {
        let document = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/03c-lenient-packets.http-router.json"))
        let slots = try #require(document.subscriptions)
        #expect(slots.map(\.key) == ["fake.local", "lenient.local", "app.local"])
        #expect(slots.map(\.hash) == [30688, 52014, 52178])
        #expect(slots[1].nodes.map(\.weight) == [1, 3, 5451])
        #expect(slots[0].nodes.first?.tx == 97)
        #expect(slots[0].nodes.first?.rx == 269)
        #expect(slots[2].nodes.last?.name == "127.0.0.1:13999")
    }

    @Test("06b node2 past tolerance: death_mark 1, failcnt 2, ref 2")
    func pastTolerance() throws {
        let document = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/06b-node2-stopped-after-tolerance.http-router.json"))
        let nodes = try #require(document.subscriptions?.first?.nodes)
        let node2 = try #require(nodes.first { $0.name == "127.0.0.1:13032" })
        #expect(node2.deathMark == 1)
        #expect(node2.failcnt == 2)
        #expect(node2.ref == 2)
        #expect(nodes.filter { $0.deathMark == 0 }.count == nodes.count - 1)

        let fast = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/06b-node2-stopped-after-tolerance.fastrouter.json"))
        #expect(fast.subscriptions?.first?.nodes.contains { $0.name == "127.0.0.1:13032" } == false)
    }

    @Test("cheap mode samples: cheap 1, 0, 1")
    func cheapMode() throws {
        for router in ["http-router", "fastrouter"] {
            let states = try ["1-no-nodes", "2-node-subscribed", "3-node-unsubscribed"].map {
                try StatsDocument.decode(lenient: StatsSamples.bytes("cheap-mode/\($0).\(router).json"))
            }
            #expect(states.map(\.cheap) == [1, 0, 1])
            #expect(states.map { $0.subscriptions?.count } == [0, 1, 0])
            #expect(states.allSatisfy { $0.cheapMode == nil && $0.kind == nil })
        }
    }

    @Test("08 all nodes gone: empty subscriptions, not cheap")
    func allNodesGone() throws {
        let document = try StatsDocument.decode(lenient: StatsSamples.bytes("stats/08-all-nodes-gone.http-router.json"))
        #expect(document.subscriptions == [])
        #expect(document.cheap == 0)
        #expect(document.staticNodes == nil)
    }

    /// Every object's key list, depth first, so order differences anywhere show up.
    static func keyPaths(_ json: JSONValue) -> [[String]] {
        switch json {
        case .object(let members): return [members.map(\.key)] + members.flatMap { keyPaths($0.value) }
        case .array(let items): return items.flatMap { keyPaths($0) }
        default: return []
        }
    }
}
