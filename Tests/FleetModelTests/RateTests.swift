import FleetModelTesting
import Testing
import RouterWire
@testable import FleetModel

@Suite struct RateTests {
    @Test(arguments: [
        (UInt64?.some(100), UInt64(150), 2.0, Double?.some(25)),
        (.some(100), 100, 1.0, .some(0)),
        (.some(100), 30, 2.0, .some(15)),   // reset: the new value over the interval
        (.none, 8, 2.0, .some(4)),          // new counter counts from 0
        (.some(1), 2, 0.0, .none),          // no time passed: no rate
        (.some(1), 2, -1.0, .none),
    ])
    func counterRates(previous: UInt64?, current: UInt64, seconds: Double, expected: Double?) {
        #expect(CounterRate.perSecond(previous: previous, current: current, seconds: seconds) == expected)
    }

    @Test func firstPollHasNoRateAndSecondHas() {
        let clock = ManualFleetClock()
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        snapshot.record(.success(Docs.uwsgi(slots: [("k", 10, [Docs.node("n1", requests: 5, tx: 100, rx: 50)])])),
                        for: Docs.id, clock: clock)
        #expect(snapshot[Docs.id]?.rates == nil)
        #expect(snapshot[Docs.id]?.requestHistory.count == 0)

        clock.advance(by: 2)
        snapshot.record(.success(Docs.uwsgi(slots: [("k", 30, [Docs.node("n1", requests: 25, tx: 300, rx: 90)])])),
                        for: Docs.id, clock: clock)
        let rates = snapshot[Docs.id]?.rates
        #expect(rates != nil)
        #expect(rates?.seconds == 2)
        #expect(rates?.requestsPerSecond == 10)
        #expect(rates?.txPerSecond == 100)
        #expect(rates?.rxPerSecond == 20)
        #expect(rates?.slotHitsPerSecond["k"] == 10)
        #expect(rates?.nodeRequestsPerSecond[NodeID(key: "k", name: "n1")] == 10)
        #expect(snapshot[Docs.id]?.requestHistory.elements == [10])
    }

    @Test func counterThatWentDownIsAReset() throws {
        let before = Docs.uwsgi(slots: [("k", 100, [Docs.node("n1", requests: 90), Docs.node("n2", requests: 40)])])
        let after = Docs.uwsgi(slots: [("k", 104, [Docs.node("n1", requests: 4), Docs.node("n2", requests: 44)])])
        let t0 = FleetInstant(secondsSinceEpoch: 1000)
        let rates = try #require(RateCalculator.rates(previous: before, at: t0, current: after, at: t0 + 2))
        #expect(rates.nodeRequestsPerSecond[NodeID(key: "k", name: "n1")] == 2)
        #expect(rates.nodeRequestsPerSecond[NodeID(key: "k", name: "n2")] == 2)
        #expect(rates.requestsPerSecond == 4)
        #expect(rates.requestsPerSecond >= 0)
    }

    @Test func pidChangeMeansEveryCounterRestarted() throws {
        let before = Docs.uwsgi(pid: 1, slots: [("k", 100, [Docs.node("n1", requests: 90)])])
        // Counters higher than before but from a new process: the old values must not be subtracted.
        let after = Docs.uwsgi(pid: 2, slots: [("k", 120, [Docs.node("n1", requests: 96)])])
        let t0 = FleetInstant(secondsSinceEpoch: 1000)
        let rates = try #require(RateCalculator.rates(previous: before, at: t0, current: after, at: t0 + 4))
        #expect(rates.requestsPerSecond == 24)
        #expect(rates.slotHitsPerSecond["k"] == 30)
    }

    @Test func nodesAreMatchedByKeyAndName() throws {
        // The same address under two keys is two nodes.
        let before = Docs.uwsgi(slots: [("a", 0, [Docs.node("n", requests: 10)]), ("b", 0, [Docs.node("n", requests: 100)])])
        let after = Docs.uwsgi(slots: [("a", 0, [Docs.node("n", requests: 20)]), ("b", 0, [Docs.node("n", requests: 100)])])
        let t0 = FleetInstant(secondsSinceEpoch: 0)
        let rates = try #require(RateCalculator.rates(previous: before, at: t0, current: after, at: t0 + 1))
        #expect(rates.nodeRequestsPerSecond[NodeID(key: "a", name: "n")] == 10)
        #expect(rates.nodeRequestsPerSecond[NodeID(key: "b", name: "n")] == 0)
        #expect(rates.requestsPerSecond == 10)
    }

    @Test func staticHitsCountAsRequests() throws {
        let before = Docs.uwsgi(slots: [], statics: [.init(name: "s1", hits: 10)])
        let after = Docs.uwsgi(slots: [], statics: [.init(name: "s1", hits: 16)])
        let t0 = FleetInstant(secondsSinceEpoch: 0)
        let rates = try #require(RateCalculator.rates(previous: before, at: t0, current: after, at: t0 + 2))
        #expect(rates.requestsPerSecond == 3)
        #expect(rates.nodeRequestsPerSecond[NodeID(key: nil, name: "s1")] == 3)
    }

    @Test func nodeThatVanishedAndCameBackCountsFromZero() {
        let clock = ManualFleetClock()
        var snapshot = FleetSnapshot(endpoints: [Docs.endpoint])
        let id = NodeID(key: "k", name: "n1")
        snapshot.recordSuccess(Docs.uwsgi(slots: [("k", 0, [Docs.node("n1", requests: 50)])]), for: Docs.id, at: clock.now())
        clock.advance(by: 1)
        snapshot.recordSuccess(Docs.uwsgi(slots: [("k", 0, [Docs.node("n0")])]), for: Docs.id, at: clock.now())
        clock.advance(by: 1)
        snapshot.recordSuccess(Docs.uwsgi(slots: [("k", 0, [Docs.node("n0"), Docs.node("n1", requests: 60)])]),
                               for: Docs.id, at: clock.now())
        // 60, not 60 − 50: the node came back as a new node whose counters restarted.
        #expect(snapshot[Docs.id]?.rates?.nodeRequestsPerSecond[id] == 60)
        #expect(snapshot[Docs.id]?.presence(of: id) == .new)
    }

    @Test func cannedFleetHasRatesForBothAnsweringRouters() throws {
        let snapshot = CannedFleets.snapshot()
        let uwsgi = try #require(snapshot[CannedFleets.uwsgiID]?.rates)
        #expect(uwsgi.requestsPerSecond == 9)
        #expect(uwsgi.slotHitsPerSecond["app.local"] == 9)
        let fleet = try #require(snapshot[CannedFleets.fleetrouterID]?.rates)
        #expect(fleet.requestsPerSecond == 1_840)
        #expect(snapshot[CannedFleets.unreachableID]?.rates == nil)
    }
}
