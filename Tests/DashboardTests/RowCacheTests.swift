import FleetModel
import FleetModelTesting
import TUICore
import Testing
@testable import Dashboard
import TUICoreTesting
import ThreadTesting

/// The rows the tables show are derived once per input and re-derived when an input changes.
@Suite(.ownThread)
struct RowCacheTests {
    /// The rows derived without the cache.
    func derivedFleetRows(_ state: DashboardState) -> [RouterRow] {
        state.fleetSort.apply(to: state.fleetFilter.apply(to: state.snapshot.routerRows(at: state.now)))
    }

    @Test("reading, drawing and moving the selection derive the Fleet rows once")
    func derivedOnce() {
        var state = cannedState(width: 120, height: 40)
        let cache = state.rowCache.cache
        _ = state.fleetRows
        let builds = cache.builds.fleet
        _ = state.fleetRows
        _ = draw(state)
        press(.down, .down, .up, state: &state)
        _ = draw(state)
        #expect(cache.builds.fleet == builds)
        #expect(state.fleetRows == derivedFleetRows(state))
    }

    @Test("a sort change re-derives the rows, and the selection stays on its router")
    func sortChange() throws {
        var state = cannedState(width: 120, height: 40)
        let cache = state.rowCache.cache
        let index = try #require(state.fleetRows.firstIndex { $0.id == CannedFleets.uwsgiID })
        state.fleetTable.selected = index
        let before = state.fleetRows.map(\.id)
        let builds = cache.builds.fleet
        press(.char("s"), state: &state)
        #expect(cache.builds.fleet == builds + 1)
        #expect(state.fleetRows.map(\.id) == before.reversed())
        #expect(state.fleetRows == derivedFleetRows(state))
        #expect(state.selectedFleetRow?.id == CannedFleets.uwsgiID)
        #expect(state.fleetTable.selected != index || before.count == 1)
        press(.char(">"), .char(">"), state: &state)
        #expect(state.selectedFleetRow?.id == CannedFleets.uwsgiID)
        #expect(state.fleetRows == derivedFleetRows(state))
    }

    @Test("a new snapshot re-derives the rows; a filter change too")
    func snapshotAndFilterChange() {
        var state = cannedState(width: 120, height: 40)
        let cache = state.rowCache.cache
        _ = state.fleetRows
        var next = state.snapshot
        next.recordFailure("refused", for: CannedFleets.fleetrouterID, at: cannedNow)
        let builds = cache.builds.fleet
        _ = update(state: &state, event: .snapshotUpdated(next))
        #expect(cache.builds.fleet == builds + 1)
        #expect(state.fleetRows.first { $0.id == CannedFleets.fleetrouterID }?.lastError == "refused")
        state.fleetFilter = TextFilter("legacy")
        #expect(state.fleetRows.map(\.id) == [CannedFleets.uwsgiID])
        #expect(state.fleetRows == derivedFleetRows(state))
    }

    @Test("a tick re-derives the Fleet rows only when it expires uWSGI nodes")
    func tickExpiry() {
        let configuration = FleetSnapshot.Configuration(staleAfterIntervals: 1_000)
        var state = cannedState(width: 120, height: 40, snapshot: CannedFleets.snapshot(configuration: configuration))
        let cache = state.rowCache.cache
        _ = state.fleetRows
        let builds = cache.builds.fleet
        _ = update(state: &state, event: .tick(cannedNow + 1))
        #expect(cache.builds.fleet == builds)
        let uwsgi = { (state: DashboardState) in state.fleetRows.first { $0.id == CannedFleets.uwsgiID } }
        #expect(uwsgi(state)?.nodesByState[.expired] == nil)
        _ = update(state: &state, event: .tick(cannedNow + 60))
        #expect(cache.builds.fleet == builds + 1)
        #expect(uwsgi(state)?.nodesByState[.expired] == 3)
        #expect(state.fleetRows == derivedFleetRows(state))
    }

    @Test("the Router screen's lists follow the selected key and the node sort")
    func routerLists() throws {
        var state = cannedState(width: 120, height: 40)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        let cache = state.rowCache.cache
        let firstKeyNodes = state.nodeRows.map(\.id)
        let builds = cache.builds.nodes
        _ = draw(state)
        #expect(cache.builds.nodes == builds)
        try #require(state.keyRows.count > 1)
        state.keyTable.selected = 1
        #expect(state.nodeRows.allSatisfy { $0.key == state.keyRows[1].key })
        #expect(state.nodeRows.map(\.id) != firstKeyNodes)
        state.keyTable.selected = 0
        state.nodeSort = TableSort(.name, .descending)
        #expect(state.nodeRows.map(\.id) == firstKeyNodes.reversed())
    }

    @Test("states that differ only in what they cached are equal")
    func cacheTakesNoPartInEquality() {
        let state = cannedState()
        let copy = state
        _ = state.fleetRows
        #expect(state == copy)
        #expect(cannedState() == cannedState())
    }

    @Test("the status line scans the snapshot for unhealthy routers once per snapshot")
    func troubledScanOncePerSnapshot() {
        var state = cannedState(width: 120, height: 30)
        let cache = state.rowCache.cache
        let first = draw(state)
        _ = draw(state)
        press(.down, state: &state)
        #expect(draw(state).line(28).contains("router edge-down unreachable"))
        #expect(cache.troubledScans == 1)
        #expect(!first.line(28).contains("more)"))
        var next = state.snapshot
        next.recordFailure("refused", for: CannedFleets.fleetrouterID, at: cannedNow)
        _ = update(state: &state, event: .snapshotUpdated(next))
        let line = draw(state).line(28)
        #expect(cache.troubledScans == 2)
        #expect(line.contains("router edge-"))
    }
}
