import RouterWire
import Testing
@testable import FleetModel
import ThreadTesting

/// A tick looks only at the routers whose health can have changed by now (`statusDeadlines`);
/// these tests hold it to what looking at every router would give.
@Suite("Health deadlines", .ownThread)
struct StatusDeadlineTests {
    static let t0 = FleetInstant(secondsSinceEpoch: 1_000)

    static func endpoint(_ index: Int) -> RouterEndpoint {
        RouterEndpoint(name: "r\(index)", stats: .tcp(host: "127.0.0.1", port: UInt16(9000 + index)))
    }

    /// A fleet of `router` alone, 3 s stale window, polled once at `t0`.
    static func polledOnce(_ router: RouterEndpoint) -> FleetSnapshot {
        var snapshot = FleetSnapshot(endpoints: [router], configuration: .init(interval: 1, staleAfterIntervals: 3))
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: router.id, at: t0)
        return snapshot
    }

    @Test("fresh data goes stale just past the window, not at it, and a poll makes it fresh again")
    func staleBoundary() {
        let a = Self.endpoint(0)
        var snapshot = Self.polledOnce(a)
        snapshot.refresh(at: Self.t0 + 3)
        #expect(snapshot[a.id]?.status == .ok(at: Self.t0))
        let version = snapshot.version
        snapshot.refresh(at: Self.t0 + 3)
        #expect(snapshot.version == version, "a tick that changes nothing leaves the snapshot as it was")
        snapshot.refresh(at: Self.t0 + 3.001)
        #expect(snapshot[a.id]?.status == .stale(since: Self.t0, lastError: nil))
        #expect(snapshot.routerRows(at: Self.t0 + 3.001).first?.status == .stale(since: Self.t0, lastError: nil))
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: a.id, at: Self.t0 + 4)
        snapshot.refresh(at: Self.t0 + 6.5)
        #expect(snapshot[a.id]?.status == .ok(at: Self.t0 + 4))
        snapshot.refresh(at: Self.t0 + 7.5)
        #expect(snapshot[a.id]?.status == .stale(since: Self.t0 + 4, lastError: nil))
    }

    @Test("a longer stale window set after the data arrived is applied at the next tick")
    func configurationChange() {
        let a = Self.endpoint(0)
        var snapshot = Self.polledOnce(a)
        snapshot.refresh(at: Self.t0 + 4)
        #expect(snapshot[a.id]?.status == .stale(since: Self.t0, lastError: nil))
        snapshot.configuration.interval = 2
        snapshot.refresh(at: Self.t0 + 4)
        #expect(snapshot[a.id]?.status == .ok(at: Self.t0), "6 s window: fresh again")
        snapshot.refresh(at: Self.t0 + 6.5)
        #expect(snapshot[a.id]?.status == .stale(since: Self.t0, lastError: nil))
    }

    /// What the registry and the polls did to one router, kept by the test.
    struct Model {
        var goneSince: FleetInstant?
        var latestAt: FleetInstant?
        var failed = false
    }

    @Test("10,000 random polls, failures, registry changes, window changes and ticks: every router's health and presence is what the whole fleet looked at gives")
    func randomized() {
        var random = RatePositionsTests.Random(state: 0x5EED_DEAD)
        let endpoints = (0..<12).map(Self.endpoint)
        var snapshot = FleetSnapshot(endpoints: Array(endpoints.prefix(8)), configuration: .init(interval: 1, staleAfterIntervals: 3))
        var model: [RouterID: Model] = [:]
        for endpoint in endpoints.prefix(8) { model[endpoint.id] = Model() }
        var now = Self.t0
        for step in 0..<10_000 {
            // Time moves in quarter seconds, so ticks land exactly on windows' ends as well as
            // just past them.
            now = now + Double(Int.random(in: 0..<8, using: &random)) * 0.25
            let endpoint = endpoints[Int.random(in: 0..<endpoints.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0...3:
                snapshot.recordSuccess(Docs.uwsgi(slots: []), for: endpoint.id, at: now)
                if model[endpoint.id] != nil {
                    model[endpoint.id]?.latestAt = now
                    model[endpoint.id]?.failed = false
                }
            case 4:
                snapshot.recordFailure("refused", for: endpoint.id, at: now)
                if model[endpoint.id] != nil { model[endpoint.id]?.failed = true }
            case 5:
                // The registry lists a random subset; the rest of the table is gone.
                let listed = endpoints.filter { _ in Int.random(in: 0..<3, using: &random) != 0 }
                let listedIDs = Set(listed.map(\.id))
                for id in snapshot.order where !listedIDs.contains(id) {
                    if model[id]?.goneSince == nil { model[id]?.goneSince = now }
                }
                for endpoint in listed {
                    if model[endpoint.id] == nil { model[endpoint.id] = Model() } else { model[endpoint.id]?.goneSince = nil }
                }
                snapshot.setEndpoints(listed, keepingGoneAt: now)
            case 6 where step % 50 == 0:
                snapshot.configuration.interval = [0.5, 1, 2][Int.random(in: 0..<3, using: &random)]
            default:
                break
            }
            snapshot.refresh(at: now)
            let window = snapshot.configuration.staleWindow
            for (id, router) in model {
                if let since = router.goneSince, now - since > snapshot.configuration.goneRouterRetention {
                    #expect(snapshot[id] == nil, "step \(step): \(id) outlived its retention")
                    model[id] = nil
                    continue
                }
                guard let entry = snapshot[id] else {
                    Issue.record("step \(step): \(id) is missing")
                    continue
                }
                let expected: RouterStatus
                if let since = router.goneSince {
                    expected = .gone(since: since)
                } else if let at = router.latestAt {
                    expected = now - at <= window ? .ok(at: at) : .stale(since: at, lastError: router.failed ? "refused" : nil)
                } else {
                    expected = router.failed ? .unreachable(error: "refused") : .neverPolled
                }
                #expect(entry.status == expected, "step \(step) at \(now): \(id)")
            }
            #expect(Set(snapshot.order) == Set(model.keys), "step \(step)")
            for row in snapshot.routerRows(at: now) {
                #expect(row.status == snapshot[row.id]?.status, "step \(step): \(row.id)'s row")
            }
        }
    }
}
