import RouterWire
import Testing
@testable import FleetModel

/// The snapshot's version, its in-place recording and the per-router summaries behind the rows.
struct IncrementalSnapshotTests {
    let t0 = FleetInstant(secondsSinceEpoch: 1_795_909_900)

    func doc(requests: UInt64, lastCheck: UInt64 = 1_795_909_900) -> StatsDocument {
        Docs.uwsgi(slots: [
            ("a", requests, [Docs.node("n1", requests: requests, lastCheck: lastCheck),
                             Docs.node("n2", requests: 2 * requests, lastCheck: lastCheck - 30)]),
            ("b", requests, [Docs.node("n3", requests: 3 * requests, lastCheck: lastCheck)]),
        ])
    }

    @Test("every change gives a new version; a refresh that changes nothing keeps it")
    func versions() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        let initial = snapshot.version
        snapshot.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        let recorded = snapshot.version
        #expect(recorded != initial)
        snapshot.refresh(at: t0 + 1)
        #expect(snapshot.version == recorded)
        snapshot.refresh(at: t0 + 10)
        #expect(snapshot.version != recorded)
        #expect(snapshot[Docs.id]?.presence == .stale)
        snapshot.recordSuccess(doc(requests: 10), for: "unknown", at: t0)
        snapshot.recordFailure("x", for: "unknown", at: t0)
        #expect(snapshot[Docs.id]?.lastError == nil)
    }

    @Test("an unchanged document (a watch's empty line) records exactly what the same document would")
    func unchangedMatchesSameDocument() {
        var full = FleetSnapshot(endpoints: [Docs.endpoint])
        var cheap = FleetSnapshot(endpoints: [Docs.endpoint])
        cheap.recordUnchanged(for: Docs.id, at: t0)
        #expect(cheap[Docs.id]?.latest == nil, "nothing to repeat before a first document")
        full.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        cheap.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        full.recordSuccess(doc(requests: 20), for: Docs.id, at: t0 + 1)
        cheap.recordSuccess(doc(requests: 20), for: Docs.id, at: t0 + 1)
        let before = cheap.version
        full.recordSuccess(doc(requests: 20), for: Docs.id, at: t0 + 2)
        cheap.recordUnchanged(for: Docs.id, at: t0 + 2)
        #expect(cheap.version != before)
        #expect(cheap == full)
        #expect(cheap.routerRows(at: t0 + 2) == full.routerRows(at: t0 + 2))
        #expect(cheap[Docs.id]?.rates?.requestsPerSecond == 0)
        #expect(cheap[Docs.id]?.requestHistory.elements == full[Docs.id]?.requestHistory.elements)
    }

    @Test("snapshots with the same contents are equal whatever their versions")
    func equalityIgnoresVersion() {
        var a = FleetSnapshot(endpoints: [Docs.endpoint])
        var b = FleetSnapshot(endpoints: [Docs.endpoint])
        a.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        b.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        #expect(a.version != b.version)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        b.recordFailure("refused", for: Docs.id, at: t0 + 1)
        #expect(a != b)
    }

    @Test("rates matched by position equal rates matched by identity")
    func positionalRates() throws {
        let previous = doc(requests: 10)
        let current = doc(requests: 40)
        var reordered = current
        reordered.subscriptions?.reverse()
        reordered.subscriptions?[1].nodes.reverse()
        let fast = try #require(RateCalculator.rates(previous: previous, at: t0, current: current, at: t0 + 2))
        let slow = try #require(RateCalculator.rates(previous: previous, at: t0, current: reordered, at: t0 + 2))
        #expect(previous.hasSameNodes(as: current))
        #expect(!previous.hasSameNodes(as: reordered))
        #expect(fast.nodeRequestsPerSecond == slow.nodeRequestsPerSecond)
        #expect(fast.nodeRequestsPerSecond[NodeID(key: "a", name: "n2")] == 30)
        #expect(fast.slotHitsPerSecond == slow.slotHitsPerSecond)
        #expect(fast.requestsPerSecond == slow.requestsPerSecond)
    }

    @Test("node tracks: same nodes keep their history, a vanished node is gone, a new one is new")
    func nodeTracks() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        snapshot.recordSuccess(doc(requests: 20), for: Docs.id, at: t0 + 1)
        snapshot.recordSuccess(doc(requests: 30), for: Docs.id, at: t0 + 2)
        let n1 = NodeID(key: "a", name: "n1")
        #expect(snapshot[Docs.id]?.history(of: n1) == [10, 10])
        #expect(snapshot[Docs.id]?.presence(of: n1) == .present)
        var changed = doc(requests: 40)
        changed.subscriptions?[1].nodes = [Docs.node("n4", requests: 1)]
        snapshot.recordSuccess(changed, for: Docs.id, at: t0 + 3)
        #expect(snapshot[Docs.id]?.presence(of: NodeID(key: "b", name: "n4")) == .new)
        #expect(snapshot[Docs.id]?.presence(of: NodeID(key: "b", name: "n3")) == .gone(polls: 1))
        #expect(snapshot[Docs.id]?.history(of: n1) == [10, 10, 10])
    }

    @Test("a history ring keeps the newest samples in order")
    func historyRing() {
        var ring = HistoryRing<Double>(capacity: 3)
        for sample in 1...5 { ring.append(Double(sample)) }
        #expect(ring.elements == [3, 4, 5])
        #expect(ring.last == 5)
        #expect(ring.count == 3)
    }

    @Test("a router row's node counts match node-by-node states as uWSGI nodes expire", arguments: [0.0, 14, 16, 40, 60])
    func summaryCountsFollowTime(offset: Double) {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        let now = t0 + offset
        let tolerance = snapshot.configuration.subscriptionTolerance
        guard let entry = snapshot[Docs.id], let document = entry.latest else {
            Issue.record("no entry")
            return
        }
        var expected: [NodeDisplayState: Int] = [:]
        for slot in document.subscriptions ?? [] {
            for node in slot.nodes {
                expected[NodeDisplayState.of(node, flavor: .uwsgi, now: now, tolerance: tolerance), default: 0] += 1
            }
        }
        let row = RouterRow(entry: entry, at: now, tolerance: tolerance)
        #expect(row.nodesByState == expected)
        #expect(snapshot.expiredNodeCount(at: now) == expected[.expired] ?? 0)
        #expect(snapshot.totals.nodes == 3)
    }

    @Test("the Fleet rows from the kept templates equal rows built from each entry, through success, failure, staleness and expiry")
    func rowTemplatesMatchEntries() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        let tolerance = snapshot.configuration.subscriptionTolerance
        func check(at now: FleetInstant, _ label: String) {
            let expected = snapshot.entries.map { RouterRow(entry: $0, at: now, tolerance: tolerance) }
            #expect(snapshot.routerRows(at: now) == expected, "\(label)")
        }
        check(at: t0, "never polled")
        snapshot.recordSuccess(doc(requests: 10), for: Docs.id, at: t0)
        check(at: t0, "first success")
        snapshot.recordSuccess(doc(requests: 20, lastCheck: 1_795_909_901), for: Docs.id, at: t0 + 1)
        check(at: t0 + 1, "rates")
        check(at: t0 + 40, "nodes expired")
        snapshot.recordFailure("refused", for: Docs.id, at: t0 + 2)
        check(at: t0 + 2, "failure")
        snapshot.refresh(at: t0 + 60)
        check(at: t0 + 60, "stale")
        #expect(snapshot.routerRows(at: t0 + 60).first?.presence == .stale)
    }
}
