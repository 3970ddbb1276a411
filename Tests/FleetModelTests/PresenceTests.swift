import FleetModelTesting
import Testing
import RouterWire
@testable import FleetModel

@Suite struct PresenceTests {
    private func doc(_ names: [String]) -> StatsDocument {
        Docs.uwsgi(slots: [("k", 0, names.map { Docs.node($0) })])
    }

    @Test func nodesOnTheFirstPollArePresentNotNew() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: .init(secondsSinceEpoch: 0))
        #expect(snapshot[Docs.id]?.presence(of: NodeID(key: "k", name: "a")) == .present)
        #expect(snapshot[Docs.id]?.presence == .new)
    }

    @Test func newThenPresent() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        let b = NodeID(key: "k", name: "b")
        snapshot.recordSuccess(doc(["a"]), for: Docs.id, at: .init(secondsSinceEpoch: 0))
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: .init(secondsSinceEpoch: 1))
        #expect(snapshot[Docs.id]?.presence(of: b) == .new)
        #expect(snapshot[Docs.id]?.presence == .present)
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: .init(secondsSinceEpoch: 2))
        #expect(snapshot[Docs.id]?.presence(of: b) == .present)
    }

    @Test func goneForAFewPollsThenDropped() {
        var config = FleetSnapshot.Configuration()
        config.goneRetentionPolls = 2
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint], configuration: config)
        let b = NodeID(key: "k", name: "b")
        var t = FleetInstant(secondsSinceEpoch: 0)
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: t)
        var seen: [Presence?] = []
        for _ in 0..<3 {
            t = t + 1
            snapshot.recordSuccess(doc(["a"]), for: Docs.id, at: t)
            seen.append(snapshot[Docs.id]?.presence(of: b))
        }
        #expect(seen == [.gone(polls: 1), .gone(polls: 2), nil])
    }

    @Test func goneNodeStillListedWithItsLastValues() throws {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: .init(secondsSinceEpoch: 0))
        snapshot.recordSuccess(doc(["a"]), for: Docs.id, at: .init(secondsSinceEpoch: 1))
        let rows = try #require(snapshot[Docs.id]).nodeRows(at: .init(secondsSinceEpoch: 1), tolerance: 17)
        #expect(rows.map(\.name) == ["a", "b"])
        #expect(rows[1].presence == .gone(polls: 1))
        #expect(rows[1].requestsPerSecond == nil)
    }

    @Test func failedPollsDoNotAgeGoneNodes() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        let b = NodeID(key: "k", name: "b")
        snapshot.recordSuccess(doc(["a", "b"]), for: Docs.id, at: .init(secondsSinceEpoch: 0))
        snapshot.recordSuccess(doc(["a"]), for: Docs.id, at: .init(secondsSinceEpoch: 1))
        for second in 2..<10 {
            snapshot.recordFailure("timeout", for: Docs.id, at: .init(secondsSinceEpoch: Double(second)))
        }
        #expect(snapshot[Docs.id]?.goneNodes[b]?.polls == 1)
    }
}

@Suite struct StalenessTests {
    @Test func statusTransitionsWithAManualClock() {
        let clock = ManualFleetClock(start: 1000)
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint], configuration: .init(interval: 1))
        #expect(snapshot[Docs.id]?.status == .neverPolled)

        snapshot.record(.failure(FakeFleetControl.PollError(message: "refused")), for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.status == .unreachable(error: "refused"))

        clock.advance(by: 1)
        let okAt = clock.now()
        snapshot.record(.success(Docs.uwsgi(slots: [])), for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.status == .ok(at: okAt))

        // Failures inside the 3 × interval window keep the data fresh but remember the error.
        clock.advance(by: 2)
        snapshot.record(.failure(FakeFleetControl.PollError(message: "timeout")), for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.status == .ok(at: okAt))
        #expect(snapshot[Docs.id]?.lastError == "timeout")

        clock.advance(by: 1.5)
        snapshot.record(.failure(FakeFleetControl.PollError(message: "timeout")), for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.status == .stale(since: okAt, lastError: "timeout"))
        #expect(snapshot[Docs.id]?.presence == .stale)
        #expect(snapshot[Docs.id]?.consecutiveFailures == 2)

        clock.advance(by: 1)
        snapshot.record(.success(Docs.uwsgi(slots: [])), for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.status == .ok(at: clock.now()))
        #expect(snapshot[Docs.id]?.lastError == nil)
    }

    @Test func aHangingRouterGoesStaleOnRefresh() {
        let clock = ManualFleetClock(start: 0)
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint], configuration: .init(interval: 2))
        snapshot.recordSuccess(Docs.uwsgi(slots: [("k", 0, [Docs.node("a")])]), for: Docs.id, at: clock.now())
        clock.advance(by: 6)
        snapshot.refresh(clock: clock)
        #expect(snapshot[Docs.id]?.status.isOK == true)
        clock.advance(by: 0.5)
        snapshot.refresh(clock: clock)
        #expect(snapshot[Docs.id]?.status == .stale(since: .init(secondsSinceEpoch: 0), lastError: nil))
        #expect(snapshot[Docs.id]?.presence(of: NodeID(key: "k", name: "a")) == .stale)
    }

    @Test func endpointsCanBeReplacedKeepingData() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: Docs.id, at: .init(secondsSinceEpoch: 0))
        let other = RouterEndpoint(name: "other", stats: .unix(path: "/s"))
        snapshot.setEndpoints([other, Docs.endpoint])
        #expect(snapshot.order == [RouterID("other"), Docs.id])
        #expect(snapshot[Docs.id]?.latest != nil)
        snapshot.setEndpoints([other])
        #expect(snapshot[Docs.id] == nil)
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: Docs.id, at: .init(secondsSinceEpoch: 1))
        #expect(snapshot.entries.count == 1)
    }

    @Test func historyRingIsBounded() {
        var ring = HistoryRing<Double>(capacity: 3)
        for value in 1...5 { ring.append(Double(value)) }
        #expect(ring.elements == [3, 4, 5])
        #expect(ring.last == 5)
        #expect(ring.count == 3)
    }

    @Test func snapshotHistoryKeepsAtMostItsCapacity() {
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint], configuration: .init(historyCapacity: 4))
        for second in 0..<10 {
            let doc = Docs.uwsgi(slots: [("k", 0, [Docs.node("a", requests: UInt64(second * second))])])
            snapshot.recordSuccess(doc, for: Docs.id, at: .init(secondsSinceEpoch: Double(second)))
        }
        #expect(snapshot[Docs.id]?.requestHistory.elements == [11, 13, 15, 17])
        #expect(snapshot[Docs.id]?.history(of: NodeID(key: "k", name: "a")) == [11, 13, 15, 17])
    }
}
