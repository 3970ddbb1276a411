@testable import Dashboard
@testable import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// The key view reads the aggregates the poller worked out with the snapshot when the Fleet
/// filter is empty, and adds up the rows the filter shows when it is not.
@Suite("The key view over prepared snapshots", .ownThread)
struct PreparedKeyViewTests {
    static let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1)

    /// `snapshot` with its aggregates prepared, as the poller delivers it while the key view shows.
    static func prepared(_ snapshot: FleetSnapshot) -> FleetSnapshot {
        var snapshot = snapshot
        snapshot.prepareKeyAggregates()
        return snapshot
    }

    /// 200 routers on 10 hosts serving 10 of 100 keys each, in the key view, with `snapshot` delivered.
    static func keyView(delivering snapshot: FleetSnapshot) -> DashboardState {
        var state = DashboardState(snapshot: KeyViewTests.largeSnapshot(count: 200), size: Size(width: 120, height: 40), now: now)
        press(.char("K"), state: &state)
        _ = update(state: &state, event: .snapshotUpdated(snapshot))
        return state
    }

    @Test("delivered prepared, the key view shows the snapshot's aggregates: those of adding up its Fleet rows")
    func readsPrepared() {
        let snapshot = Self.prepared(KeyViewTests.largeSnapshot(count: 200))
        let state = Self.keyView(delivering: snapshot)
        #expect(state.snapshot.hasPreparedKeyAggregates)
        #expect(state.fleetKeyAggregates == KeyAggregate.aggregate(state.fleetRows))
        #expect(state.fleetKeyAggregates.count == 100 && state.fleetKeyAggregates.allSatisfy { $0.routers == 20 })
        #expect(state.fleetKeyRows.count == 100)
    }

    @Test("what the key view shows without a Fleet filter is what the poller prepared, not added up again")
    func noAddingUp() {
        // Aggregates no rows would add up to: only read from the snapshot could they show.
        var snapshot = KeyViewTests.largeSnapshot(count: 200)
        var marker = KeyAggregate(key: "prepared-by-the-poller")
        marker.routers = 7
        snapshot.preparedKeyAggregates = [marker]
        var state = Self.keyView(delivering: snapshot)
        #expect(state.fleetKeyRows == [marker])
        #expect(draw(state).text.contains("prepared-by-the-poller"))
        // A tick that changes no router's health keeps them.
        _ = update(state: &state, event: .tick(Self.now + 0.5))
        #expect(state.fleetKeyRows == [marker])

        // With a Fleet filter the key view adds up the routers it shows.
        press(.escape, .char("/"), state: &state)
        type("host:host-3", state: &state)
        press(.enter, .char("K"), state: &state)
        #expect(state.fleetRows.count == 20)
        #expect(state.fleetKeyAggregates == KeyAggregate.aggregate(state.fleetRows))
        #expect(state.fleetKeyAggregates.map(\.key) == (0..<10).map { "key-\($0 * 10 + 3)" }.sorted(),
                "the 20 routers of host-3 serve key-3, key-13, … key-93")
        #expect(state.fleetKeyAggregates.allSatisfy { $0.routers == 20 && $0.nodeCount == 40 })
        // Without it again: the prepared ones.
        press(.escape, .escape, state: &state)
        #expect(state.fleetFilter.isEmpty)
        press(.char("K"), state: &state)
        #expect(state.fleetKeyRows == [marker])
    }

    @Test("the filter narrows the prepared fleet as it narrowed the added-up one", arguments: ["host:host-3", "key:key-7", "router-1", "status:ok"])
    func filtered(filter: String) {
        var state = Self.keyView(delivering: Self.prepared(KeyViewTests.largeSnapshot(count: 200)))
        press(.escape, .char("/"), state: &state)
        type(filter, state: &state)
        press(.enter, .char("K"), state: &state)
        #expect(!state.fleetFilter.isEmpty)
        let rows = TextFilter(filter).apply(to: state.snapshot.routerRows(at: state.now))
        #expect(state.fleetKeyAggregates == KeyAggregate.aggregate(rows))
    }

    @Test("as time passes, uWSGI nodes expire and routers go stale in the prepared aggregates as in the rows")
    func time() {
        let snapshot = Self.prepared(sharedNodeSnapshot())
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("K"), state: &state)
        _ = update(state: &state, event: .snapshotUpdated(snapshot))
        for seconds in [0.5, 2, 5, 12, 30] {
            _ = update(state: &state, event: .tick(cannedNow + seconds))
            #expect(state.snapshot.hasPreparedKeyAggregates, "at +\(seconds) s: health changes are applied, not worked out again")
            #expect(state.fleetKeyAggregates == KeyAggregate.aggregate(state.snapshot.routerRows(at: state.now)), "at +\(seconds) s")
        }
        let expired = state.fleetKeyAggregates.map { $0.nodesByState[.expired] ?? 0 }.reduce(0, +)
        #expect(expired > 0, "the uWSGI router's nodes expired")
        #expect(state.fleetKeyAggregates.allSatisfy { $0.okRouters == 0 }, "every router is stale")
    }

    @Test("the key view, a key's drill-down and a router opened from it show the aggregates; the Fleet screen does not")
    func showsKeyAggregates() {
        var state = cannedState()
        #expect(!state.showsKeyAggregates)
        press(.char("K"), state: &state)
        #expect(state.showsKeyAggregates)
        press(.down, .enter, state: &state)
        #expect(state.screen == .key("app.example.com") && state.showsKeyAggregates)
        press(.enter, state: &state)
        #expect(state.screen.router != nil && state.showsKeyAggregates, "Esc goes back to the drill-down")
        press(.escape, .escape, .escape, state: &state)
        #expect(state.screen == .fleet && !state.showsKeyAggregates)
        #expect(state.fleetKeyAggregates.isEmpty)
    }
}
