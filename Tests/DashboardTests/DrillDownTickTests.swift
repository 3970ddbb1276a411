@testable import Dashboard
@testable import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// A key's drill-down is derived once per snapshot and when time expires one of its nodes, not
/// at every tick; the ages it shows still follow the clock.
@Suite("The key drill-down across ticks", .ownThread)
struct DrillDownTickTests {
    /// The drill-down rows of `state` derived from scratch.
    static func derived(_ state: DashboardState) -> [KeyNodeRow] {
        guard let key = state.drilledKey else { return [] }
        return state.keyNodeSort.apply(to: state.keyNodeFilter.apply(
            to: state.snapshot.keyNodeRows(key: key, routers: state.fleetRows, at: state.now)))
    }

    /// `rows` with their nodes' ages read at `now`, as rows derived at `now` have them.
    static func aged(_ rows: [KeyNodeRow], at now: FleetInstant) -> [KeyNodeRow] {
        rows.map { row in
            var row = row
            let age = row.node?.lastAnnounceAge(at: now)
            row.node?.lastAnnounceAge = age
            return row
        }
    }

    /// The canned fleet (routers never stale) drilled into the uWSGI router's `app.local`.
    static func drilledState() throws -> DashboardState {
        let configuration = FleetSnapshot.Configuration(staleAfterIntervals: 1_000)
        var state = cannedState(width: 120, height: 40, snapshot: CannedFleets.snapshot(configuration: configuration))
        press(.char("K"), state: &state)
        let index: Int = try #require(state.fleetKeyRows.firstIndex { $0.key == "app.local" })
        state.fleetKeyTable.selected = index
        press(.enter, state: &state)
        try #require(state.screen == .key("app.local"))
        return state
    }

    /// Whether the line of node `address` as drawn shows `age` (the SEEN cell).
    static func shows(_ age: String, for address: String, in state: DashboardState) -> Bool {
        let line = draw(state).lines.first { $0.contains(address) } ?? ""
        return line.split(separator: " ").contains { $0 == age }
    }

    @Test("ticks reuse the rows while no node expires, and the SEEN column follows the clock")
    func ticks() throws {
        var state = try Self.drilledState()
        let cache = state.rowCache.cache
        let rows = state.keyNodeRows
        try #require(rows.count == 3 && rows.allSatisfy { $0.node?.state == .ready })
        let builds = cache.keyNodeBuilds
        let address = try #require(rows.first?.node?.name)
        #expect(Self.shows("1s", for: address, in: state))
        for seconds in [2.0, 9, 17] {
            _ = update(state: &state, event: .tick(cannedNow + (seconds - 1)))
            #expect(cache.keyNodeBuilds == builds, "at +\(seconds) s nothing expired")
            #expect(Self.aged(state.keyNodeRows, at: state.now) == Self.derived(state), "at +\(seconds) s")
            #expect(Self.shows(Format.age(seconds), for: address, in: state), "at +\(seconds) s")
        }
        // Past the tolerance the uWSGI nodes expire: derived again, and shown expired.
        _ = update(state: &state, event: .tick(cannedNow + 17))
        #expect(cache.keyNodeBuilds == builds + 1)
        #expect(state.keyNodeRows == Self.derived(state))
        #expect(state.keyNodeRows.allSatisfy { $0.node?.state == .expired })
        #expect(draw(state).lines.contains { $0.contains(address) && $0.contains("expired") })
        // Back in time (a manual clock): derived again.
        _ = update(state: &state, event: .tick(cannedNow))
        #expect(state.keyNodeRows == Self.derived(state))
        #expect(state.keyNodeRows.allSatisfy { $0.node?.state == .ready })
    }

    @Test("a filter on a state the nodes do not have yet shows them once they expire")
    func filteredExpiry() throws {
        var state = try Self.drilledState()
        press(.char("/"), state: &state)
        type("state:expired", state: &state)
        press(.enter, state: &state)
        #expect(state.keyNodeRows.isEmpty)
        _ = update(state: &state, event: .tick(cannedNow + 10))
        #expect(state.keyNodeRows.isEmpty)
        _ = update(state: &state, event: .tick(cannedNow + 17))
        #expect(state.keyNodeRows.count == 3)
        #expect(state.keyNodeRows == Self.derived(state))
    }

    @Test("a new snapshot derives them again: the rows follow the router's numbers")
    func newSnapshot() throws {
        var state = try Self.drilledState()
        let cache = state.rowCache.cache
        _ = state.keyNodeRows
        let builds = cache.keyNodeBuilds
        var next = state.snapshot
        var document = CannedFleets.uwsgiHTTPAfterRequests()
        document.subscriptions?[0].nodes[0].requests = 4_321
        next.recordSuccess(document, for: CannedFleets.uwsgiID, at: cannedNow + 1)
        _ = update(state: &state, event: .snapshotUpdated(next))
        #expect(cache.keyNodeBuilds == builds + 1)
        #expect(state.keyNodeRows == Self.derived(state))
        #expect(state.keyNodeRows.contains { $0.node?.requests == 4_321 })
    }

    @Test("delivered prepared for the drill-down, its rows are the snapshot's, those deriving gives, kept through ticks")
    func prepared() throws {
        var state = try Self.drilledState()
        var next = state.snapshot
        var document = CannedFleets.uwsgiHTTPAfterRequests()
        document.subscriptions?[0].nodes[0].requests = 4_321
        next.recordSuccess(document, for: CannedFleets.uwsgiID, at: cannedNow + 1)
        var marked = next
        next.prepare(state.snapshotPreparation, at: cannedNow + 1)
        let view = try #require(state.keyNodesView)
        #expect(view == KeyNodesView(key: "app.local"))
        #expect(next.preparedKeyNodeRows(for: view, fleetSort: state.fleetSort, fleetFilter: state.fleetFilter, at: state.now) != nil)
        var unprepared = try Self.drilledState()
        _ = update(state: &unprepared, event: .snapshotUpdated(marked))
        _ = update(state: &state, event: .snapshotUpdated(next))
        #expect(Self.aged(state.keyNodeRows, at: state.now) == Self.derived(state))
        #expect(state.keyNodeRows.contains { $0.node?.requests == 4_321 })
        let cache = state.rowCache.cache
        let builds = cache.keyNodeBuilds
        _ = update(state: &state, event: .tick(cannedNow + 1))
        _ = update(state: &unprepared, event: .tick(cannedNow + 1))
        #expect(cache.keyNodeBuilds == builds)
        #expect(draw(state).text == draw(unprepared).text)

        // Rows no derivation gives: only read from the snapshot could they show.
        marked.prepare(state.snapshotPreparation, at: cannedNow + 1)
        let marker = Array(Self.derived(state).suffix(1))
        marked.preparedFleet?.keyNodes?.rows = marker
        var other = try Self.drilledState()
        _ = update(state: &other, event: .snapshotUpdated(marked))
        #expect(other.keyNodeRows.map(\.id) == marker.map(\.id))
    }
}
