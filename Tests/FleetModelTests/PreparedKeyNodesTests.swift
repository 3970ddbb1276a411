import RouterWire
import Testing
@testable import FleetModel

/// A key's drill-down rows read the same at another time exactly while no node changes between
/// ready and expired?; worked out with the snapshot, they are those derived from the Fleet rows.
@Suite("Key drill-down rows over time and prepared with the snapshot")
struct PreparedKeyNodesTests {
    static let t0 = KeyAggregationTests.t0

    @Test("a key's drill-down prepared over the Fleet rows is the one derived from them, for its view and Fleet sort and filter only")
    func keyNodes() {
        var snapshot = KeyNumberingTests.fleet(routers: 30)
        let fleet = FleetView(sort: TableSort(.requestsPerSecond, .descending), filter: TextFilter("-r2"), grouping: .host)
        let nodes = KeyNodesView(key: "app3.local", sort: TableSort(.requests, .descending), filter: TextFilter("state:ready"))
        let now = Self.t0 + 1
        #expect(snapshot.preparedKeyNodeRows(for: nodes, fleetSort: fleet.sort, fleetFilter: fleet.filter, at: now) == nil)
        snapshot.prepare(SnapshotPreparation(fleetView: fleet, keyNodes: nodes), at: now)
        let all = snapshot.keyNodeRows(key: nodes.key, routers: PreparedFleetLinesTests.derived(snapshot, fleet, at: now).rows, at: now)
        let prepared = snapshot.preparedKeyNodeRows(for: nodes, fleetSort: fleet.sort, fleetFilter: fleet.filter, at: now)
        #expect(prepared?.rows == nodes.sort.apply(to: nodes.filter.apply(to: all)))
        #expect(prepared?.rows.isEmpty == false && prepared?.rows.count != all.count, "the filter left the draining nodes out")
        #expect(prepared?.validity == KeyNodeRowsValidity(all))
        #expect(snapshot.preparedKeyNodeRows(for: KeyNodesView(key: nodes.key), fleetSort: fleet.sort, fleetFilter: fleet.filter, at: now) == nil)
        #expect(snapshot.preparedKeyNodeRows(for: nodes, fleetSort: TableSort(.name), fleetFilter: fleet.filter, at: now) == nil)
        #expect(snapshot.preparedKeyNodeRows(for: nodes, fleetSort: fleet.sort, fleetFilter: TextFilter(""), at: now) == nil)
        // Past the tolerance too: a fleetrouter's nodes never turn expired? with time (only a
        // real uWSGI router's do), so the prepared rows still hold.
        #expect(snapshot.preparedKeyNodeRows(for: nodes, fleetSort: fleet.sort, fleetFilter: fleet.filter, at: now + 20)?.rows
                == prepared?.rows)
        snapshot.recordFailure("refused", for: "r3", at: Self.t0 + 2)
        #expect(snapshot.preparedKeyNodeRows(for: nodes, fleetSort: fleet.sort, fleetFilter: fleet.filter, at: now) == nil)
        // Without a Fleet view there are no Fleet rows to go over: nothing prepared.
        snapshot.prepare(SnapshotPreparation(keyNodes: nodes), at: now)
        #expect(!snapshot.hasPreparedFleetLines)
    }

    @Test("drill-down rows read the same, ages aside, exactly while no node changes between ready and expired?")
    func keyNodeValidity() throws {
        var snapshot = FleetSnapshot(endpoints: [KeyAggregationTests.endpoint("u", host: "h"), KeyAggregationTests.endpoint("f", host: "h")])
        let lastCheck = UInt64(Self.t0.secondsSinceEpoch)
        snapshot.recordSuccess(Docs.uwsgi(slots: [
            ("app.local", 0, [Docs.node("n1", lastCheck: lastCheck), Docs.node("n2", lastCheck: lastCheck - 10)]),
        ]), for: "u", at: Self.t0)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app.local", [KeyAggregationTests.node("n3", state: .drained)])]),
                               for: "f", at: Self.t0)
        func rows(at now: FleetInstant) -> [KeyNodeRow] {
            snapshot.keyNodeRows(key: "app.local", routers: snapshot.routerRows(at: now), at: now)
        }
        /// `rows` with their ages read at `now`.
        func aged(_ rows: [KeyNodeRow], at now: FleetInstant) -> [KeyNodeRow] {
            rows.map { row in
                var row = row
                let age = row.node?.lastAnnounceAge(at: now)
                row.node?.lastAnnounceAge = age
                return row
            }
        }
        let built = Self.t0 + 12
        let derived = rows(at: built)
        #expect(derived.compactMap(\.node?.state) == [.ready, .expired, .drained])
        let validity = KeyNodeRowsValidity(derived)
        #expect(validity.oldestReady == Self.t0.secondsSinceEpoch)
        #expect(validity.newestExpired == Self.t0.secondsSinceEpoch - 10)
        let tolerance = snapshot.configuration.subscriptionTolerance
        #expect(tolerance == 17)
        for seconds in [7.5, 12, 16.9, 17] {
            let now = Self.t0 + seconds
            #expect(validity.holds(at: now, tolerance: tolerance), "at +\(seconds) s")
            #expect(aged(derived, at: now) == rows(at: now), "at +\(seconds) s")
        }
        for seconds in [0.0, 7, 17.5, 30] {
            let now = Self.t0 + seconds
            #expect(!validity.holds(at: now, tolerance: tolerance), "at +\(seconds) s")
            #expect(aged(derived, at: now) != rows(at: now), "at +\(seconds) s a node changed state")
        }
        #expect(KeyNodeRowsValidity([]).holds(at: Self.t0 + 1_000, tolerance: tolerance))
    }
}
