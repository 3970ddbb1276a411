import RouterWire
import Testing
@testable import FleetModel

/// Recording by position (the rates' and tracks' tables written where the last poll found its
/// keys and nodes) must record exactly what recording by identity does.
struct RatePositionsTests {
    let t0 = FleetInstant(secondsSinceEpoch: 1_795_909_900)

    /// A seeded SplitMix64 generator, so a failure names a reproducible step.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func base() -> StatsDocument {
        Docs.uwsgi(slots: [
            ("a", 10, [Docs.node("n1", requests: 10, tx: 70, rx: 30), Docs.node("n2", requests: 20)]),
            ("b", 0, [Docs.node("n3", requests: 5)]),
            ("c", 3, []),
        ], statics: [.init(name: "s1", hits: 4)])
    }

    @Test("random polls: by position and by identity record the same entry, and positions are used")
    func sameAsByIdentity() throws {
        var random = Random(state: 0x5EED)
        var fast = RouterEntry(endpoint: Docs.endpoint, historyCapacity: 8)
        var slow = fast
        let configuration = FleetSnapshot.Configuration(historyCapacity: 8)
        var document = Self.base()
        var now = t0
        var positional = 0
        // Each node's history as a plain array per node, the way it reads.
        var histories: [NodeID: [Double]] = [:]
        func checkHistories(_ step: Int, recorded: Bool) {
            var next: [NodeID: [Double]] = [:]
            for id in fast.nodes.keys {
                var history = histories[id] ?? []
                if recorded, let rate = fast.rates?.nodeRequestsPerSecond[id] {
                    history.append(rate)
                    if history.count > 8 { history.removeFirst(history.count - 8) }
                }
                next[id] = history
                #expect(fast.history(of: id) == history, "step \(step): \(id)'s history")
            }
            histories = next
        }
        for step in 0..<600 {
            now = now + Double(Int.random(in: 0...2, using: &random))
            let kind = Int.random(in: 0..<14, using: &random)
            switch kind {
            case 0: document.subscriptions?[0].nodes.append(Docs.node("n\(step)", requests: 1))
            case 1: if document.subscriptions?[0].nodes.isEmpty == false { document.subscriptions?[0].nodes.removeFirst() }
            case 2: document.subscriptions?[1].nodes.reverse()
            case 3: document.pid += 1
            case 4:
                // A node listed twice under one key, and later not at all.
                if document.subscriptions?[2].nodes.isEmpty == true {
                    document.subscriptions?[2].nodes = [Docs.node("dup", requests: 1), Docs.node("dup", requests: 2)]
                } else {
                    document.subscriptions?[2].nodes = []
                }
            case 5: document.staticNodes = document.staticNodes == nil ? [.init(name: "s1", hits: 4)] : nil
            case 7:
                // A node changes state (drained, undrained) or is announced again.
                if let count = document.subscriptions?[0].nodes.count, count > 0 {
                    let node = Int.random(in: 0..<count, using: &random)
                    let drain = document.subscriptions![0].nodes[node].operatorFields.drain
                    document.subscriptions?[0].nodes[node].operatorFields.drain = drain == 1 ? 0 : 1
                    document.subscriptions?[0].nodes[node].lastCheck += UInt64.random(in: 0...1, using: &random)
                }
            case 8:
                if let grace = document.staticNodes?[0].grace { document.staticNodes?[0].grace = grace == 0 ? 5 : 0 }
            case 6:
                let usedPositions = fast.ratePositions.value != nil
                let recorded = fast.recordUnchanged(at: now, configuration: configuration)
                #expect(recorded == slow.recordUnchanged(at: now, configuration: configuration))
                if usedPositions { positional += 1 }
                checkHistories(step, recorded: recorded)
                slow.ratePositions.value = nil
                #expect(fast == slow, "step \(step): unchanged")
                #expect(fast.nodes == slow.nodes && fast.rates == slow.rates, "step \(step): unchanged")
                continue
            default:
                for slot in document.subscriptions?.indices ?? 0..<0 {
                    document.subscriptions?[slot].hits += UInt64.random(in: 0...9, using: &random)
                    for node in document.subscriptions?[slot].nodes.indices ?? 0..<0 {
                        // Sometimes down: a counter reset.
                        let value = UInt64.random(in: 0...50, using: &random)
                        let requests = document.subscriptions![slot].nodes[node].requests
                        document.subscriptions?[slot].nodes[node].requests = Bool.random(using: &random) ? requests + value : value
                        document.subscriptions?[slot].nodes[node].tx += value * 7
                    }
                }
                if document.staticNodes != nil { document.staticNodes?[0].hits += 1 }
            }
            let usedPositions = fast.ratePositions.value != nil && fast.latest?.hasSameNodes(as: document) == true
                && fast.latest?.pid == document.pid
            fast.recordSuccess(document, at: now, configuration: configuration)
            slow.ratePositions.value = nil
            slow.recordSuccess(document, at: now, configuration: configuration)
            if usedPositions { positional += 1 }
            checkHistories(step, recorded: true)
            #expect(fast == slow, "step \(step)")
            #expect(fast.nodes == slow.nodes && fast.rates == slow.rates && fast.requestHistory == slow.requestHistory, "step \(step)")
            // The summary, whether counted again in place or made anew, is the document's.
            #expect(fast.summary == RouterSummary(document: document, flavor: RouterFlavor(document: document)), "step \(step)")
            if let previous = fast.previous, let previousAt = fast.previousAt, let latestAt = fast.latestAt {
                #expect(fast.rates == RateCalculator.rates(previous: previous, at: previousAt, current: document, at: latestAt), "step \(step)")
            }
        }
        #expect(positional > 100, "only \(positional) polls were recorded by position")
    }

    @Test("positions are refused for a document listing a node twice, and for tables that lack one")
    func refusals() throws {
        var document = Self.base()
        let configuration = FleetSnapshot.Configuration()
        var entry = RouterEntry(endpoint: Docs.endpoint, historyCapacity: 4)
        entry.recordSuccess(document, at: t0, configuration: configuration)
        entry.recordSuccess(document, at: t0 + 1, configuration: configuration)
        #expect(entry.ratePositions.value != nil)
        document.subscriptions?[0].nodes.append(Docs.node("n1", requests: 10))
        entry.recordSuccess(document, at: t0 + 2, configuration: configuration)
        #expect(entry.ratePositions.value == nil, "n1 twice under key a shares one table entry")
        let rates = try #require(entry.rates)
        #expect(RatePositions(document: Self.base(), rates: RouterRates(seconds: 1), tracks: entry.nodes) == nil)
        #expect(RatePositions(document: Self.base(), rates: rates, tracks: [:]) == nil)
    }
}
