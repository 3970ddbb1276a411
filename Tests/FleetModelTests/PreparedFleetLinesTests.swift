import RouterWire
import Testing
@testable import FleetModel

/// The Fleet table's rows and lines worked out with the snapshot (off the UI thread) must be
/// what filtering, sorting and grouping the rows gives; any change to a router drops them, and
/// they are read at another time only while as many uWSGI nodes have expired.
@Suite("Fleet rows and lines prepared with the snapshot")
struct PreparedFleetLinesTests {
    static let t0 = KeyAggregationTests.t0

    /// The rows and lines of `view` derived from scratch as of `now`.
    static func derived(_ snapshot: FleetSnapshot, _ view: FleetView, at now: FleetInstant) -> (rows: [RouterRow], lines: [FleetLine]) {
        let rows = view.sort.apply(to: view.filter.apply(to: snapshot.routerRows(at: now)))
        return (rows, view.grouping.lines(for: rows, collapsed: view.collapsed))
    }

    /// Whether what `snapshot` has prepared for `view` is what deriving gives at `now`.
    static func agree(_ snapshot: FleetSnapshot, _ view: FleetView, at now: FleetInstant) -> Bool {
        let (rows, lines) = derived(snapshot, view, at: now)
        return snapshot.preparedFleetRows(sort: view.sort, filter: view.filter, at: now) == rows
            && snapshot.preparedFleetLines(for: view, at: now) == lines
            && snapshot.preparedFleetRowMeasures(sort: view.sort, filter: view.filter, at: now) == rows.map(\.measures)
            && snapshot.totals == snapshot.addedUpTotals
    }

    static let views: [FleetView] = [
        FleetView(),
        FleetView(sort: TableSort(.requestsPerSecond, .descending)),
        FleetView(sort: TableSort(.name, .descending), filter: TextFilter("app3")),
        FleetView(sort: TableSort(.nodes), grouping: .host),
        FleetView(filter: TextFilter("-r1"), grouping: .key, collapsed: ["app2.local"]),
        FleetView(sort: TableSort(.health, .descending), grouping: .key),
    ]

    @Test("prepared, they are the rows and lines derived from scratch", arguments: PreparedFleetLinesTests.views)
    func sameAsDerived(view: FleetView) {
        var snapshot = KeyNumberingTests.fleet(routers: 40)
        #expect(!snapshot.hasPreparedFleetLines)
        #expect(snapshot.preparedFleetRows(sort: view.sort, filter: view.filter, at: Self.t0 + 1) == nil)
        let version = snapshot.version
        snapshot.prepare(SnapshotPreparation(fleetView: view), at: Self.t0 + 1)
        #expect(snapshot.version == version, "preparing is not a change of the snapshot")
        #expect(snapshot == KeyNumberingTests.fleet(routers: 40), "they take no part in equality")
        #expect(Self.agree(snapshot, view, at: Self.t0 + 1))
        #expect(!snapshot.hasPreparedKeyAggregates, "the key aggregates were not asked for")
    }

    @Test("only the view they were worked out for reads them; the rows serve any grouping of the same sort and filter")
    func otherViews() {
        var snapshot = KeyNumberingTests.fleet(routers: 20)
        let view = FleetView(sort: TableSort(.keys), grouping: .host, collapsed: ["h1"])
        snapshot.prepare(SnapshotPreparation(keyAggregates: true, fleetView: view), at: Self.t0 + 1)
        #expect(snapshot.hasPreparedKeyAggregates)
        #expect(snapshot.preparedFleetLines(for: FleetView(sort: TableSort(.keys), grouping: .host), at: Self.t0 + 1) == nil)
        #expect(snapshot.preparedFleetLines(for: FleetView(sort: TableSort(.keys)), at: Self.t0 + 1) == nil)
        #expect(snapshot.preparedFleetRows(sort: TableSort(.keys, .descending), filter: TextFilter(""), at: Self.t0 + 1) == nil)
        #expect(snapshot.preparedFleetRows(sort: TableSort(.keys), filter: TextFilter("r1"), at: Self.t0 + 1) == nil)
        #expect(snapshot.preparedFleetRows(sort: TableSort(.keys), filter: TextFilter(""), at: Self.t0 + 1)
            == Self.derived(snapshot, view, at: Self.t0 + 1).rows)
        #expect(FleetView(grouping: .none, collapsed: ["h1"]) == FleetView(), "folded groups mean nothing ungrouped")
    }

    @Test("the order of the last snapshot is reused when the keys are the same, and not when they changed")
    func reusedOrder() throws {
        var snapshot = KeyNumberingTests.fleet(routers: 30)
        let view = FleetView(sort: TableSort(.requestsPerSecond, .descending))
        var first = snapshot
        let prepared = first.prepare(SnapshotPreparation(fleetView: view), at: Self.t0 + 1)
        let order = try #require(prepared)
        // New numbers for a few routers: their rates and so their places change.
        for router in [3, 17, 29] {
            snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app1.local", [KeyAggregationTests.node("n", requests: 100_000)])]),
                                   for: RouterID("r\(router)"), at: Self.t0 + 2)
        }
        var second = snapshot
        second.prepare(SnapshotPreparation(fleetView: view), at: Self.t0 + 2, reusing: order)
        #expect(Self.agree(second, view, at: Self.t0 + 2))
        // Same keys again: the permutation is reused, and the rows are still right.
        var third = first
        third.prepare(SnapshotPreparation(fleetView: view), at: Self.t0 + 1, reusing: order)
        #expect(Self.agree(third, view, at: Self.t0 + 1))
    }

    @Test("each kind of change to the snapshot drops them; prepared again they agree")
    func changesDrop() {
        let view = FleetView(sort: TableSort(.requestsPerSecond, .descending), grouping: .key)
        let preparation = SnapshotPreparation(fleetView: view)
        var snapshot = KeyNumberingTests.fleet(routers: 12)
        let changes: [(String, (inout FleetSnapshot) -> Void)] = [
            ("new document", { $0.recordSuccess(KeyAggregationTests.fleetrouter([("solo", [KeyAggregationTests.node("n", requests: 5)])]), for: "r3", at: Self.t0 + 2) }),
            ("failed poll", { $0.recordFailure("refused", for: "r4", at: Self.t0 + 2) }),
            ("unchanged document", { $0.recordUnchanged(for: "r5", at: Self.t0 + 2) }),
            ("routers gone", { $0.setEndpoints((0..<10).map { KeyAggregationTests.endpoint("r\($0)", host: "h\($0 % 3)") }, keepingGoneAt: Self.t0 + 2) }),
            ("health by time", { $0.refresh(at: Self.t0 + 5.5) }),
            ("configuration", { $0.configuration.subscriptionTolerance = 5 }),
            ("router list", { $0.setEndpoints((0..<8).map { KeyAggregationTests.endpoint("r\($0)", host: "h\($0 % 3)") }) }),
        ]
        for (name, change) in changes {
            snapshot.prepare(preparation, at: Self.t0 + 2)
            #expect(Self.agree(snapshot, view, at: Self.t0 + 2), "before \(name)")
            change(&snapshot)
            #expect(!snapshot.hasPreparedFleetLines, "\(name) drops them")
            snapshot.prepare(preparation, at: Self.t0 + 6)
            #expect(Self.agree(snapshot, view, at: Self.t0 + 6), "after \(name)")
        }
    }

    @Test("the header's totals are added up with them, and a change is in the totals read next")
    func totalsFollowChanges() {
        var snapshot = KeyNumberingTests.fleet(routers: 12)
        let unprepared = snapshot.totals
        snapshot.prepare(SnapshotPreparation(fleetView: FleetView()), at: Self.t0 + 2)
        #expect(snapshot.preparedFleet?.totals == unprepared)
        #expect(snapshot.totals == unprepared)
        snapshot.recordFailure("refused", for: "r4", at: Self.t0 + 2)
        snapshot.recordFailure("refused", for: "r4", at: Self.t0 + 3)
        snapshot.refresh(at: Self.t0 + 60)
        let changed = snapshot.totals
        #expect(changed != unprepared, "failures and time changed the routers' health")
        #expect(changed == snapshot.addedUpTotals)
        snapshot.prepare(SnapshotPreparation(fleetView: FleetView()), at: Self.t0 + 60)
        #expect(snapshot.totals == changed)
    }

    @Test("a tick that changes no router's health keeps them; intents do not touch them")
    func quietChangesKeep() {
        let view = FleetView(grouping: .host)
        var snapshot = KeyNumberingTests.fleet(routers: 10)
        snapshot.prepare(SnapshotPreparation(fleetView: view), at: Self.t0 + 1)
        snapshot.refresh(at: Self.t0 + 1.5)
        snapshot.setIntents([])
        #expect(snapshot.hasPreparedFleetLines)
        #expect(Self.agree(snapshot, view, at: Self.t0 + 1.5))
    }

    @Test("read at another time, they serve only while as many uWSGI nodes have expired")
    func expiry() {
        var snapshot = FleetSnapshot(endpoints: [KeyAggregationTests.endpoint("u", host: "h"), KeyAggregationTests.endpoint("f", host: "h")])
        let lastCheck = UInt64(Self.t0.secondsSinceEpoch)
        snapshot.recordSuccess(Docs.uwsgi(slots: [
            ("app.local", 0, [Docs.node("n1", lastCheck: lastCheck), Docs.node("n2", lastCheck: lastCheck - 10)]),
        ]), for: "u", at: Self.t0)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app.local", [KeyAggregationTests.node("n3")])]), for: "f", at: Self.t0)
        let tolerance = snapshot.configuration.subscriptionTolerance
        let view = FleetView(sort: TableSort(.nodes), grouping: .key)
        snapshot.prepare(SnapshotPreparation(fleetView: view), at: Self.t0)
        // Earlier and later, no node expired yet: the same rows.
        for seconds in [-1, 0, tolerance - 11] {
            #expect(Self.agree(snapshot, view, at: Self.t0 + seconds), "at +\(seconds) s")
        }
        // n2 expired: not those rows.
        let later = Self.t0 + (tolerance - 5)
        #expect(snapshot.preparedFleetRows(sort: view.sort, filter: view.filter, at: later) == nil)
        #expect(snapshot.preparedFleetLines(for: view, at: later) == nil)
        // Prepared then, they serve until n1 expires too, and not before n2 did.
        snapshot.prepare(SnapshotPreparation(fleetView: view), at: later)
        #expect(Self.agree(snapshot, view, at: later))
        #expect(Self.agree(snapshot, view, at: Self.t0 + tolerance))
        #expect(snapshot.preparedFleetRows(sort: view.sort, filter: view.filter, at: Self.t0 + 1) == nil)
        #expect(snapshot.preparedFleetRows(sort: view.sort, filter: view.filter, at: Self.t0 + tolerance + 1) == nil)
        #expect(snapshot.routerRows(at: later).first?.nodesByState == [.ready: 1, .expired: 1])
    }

    @Test("ungrouping a view forgets its folded groups, as creating it ungrouped does, so it equals the dashboard's view")
    func ungroupingForgetsFolds() {
        var view = FleetView(grouping: .host, collapsed: ["h1"])
        #expect(view.collapsed == ["h1"])
        view.grouping = .none
        #expect(view.collapsed.isEmpty)
        #expect(view == FleetView())
    }
}
