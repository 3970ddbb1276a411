@testable import Dashboard
@testable import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// The Fleet table reads the rows and lines the poller worked out with the snapshot for its
/// view, and derives them itself when they were worked out for another view (or not at all);
/// either way it shows the same rows and keeps the same selection.
@Suite("The Fleet table over prepared snapshots", .ownThread)
struct PreparedFleetTests {
    /// `snapshot` as the poller delivers it to `state`: prepared for what the state shows.
    static func delivered(_ snapshot: FleetSnapshot, to state: DashboardState) -> FleetSnapshot {
        var snapshot = snapshot
        snapshot.prepare(state.snapshotPreparation, at: state.now)
        return snapshot
    }

    /// The Fleet rows and lines of `state` derived from scratch.
    static func derived(_ state: DashboardState) -> (rows: [RouterRow], lines: [FleetLine]) {
        let rows = state.fleetSort.apply(to: state.fleetFilter.apply(to: state.snapshot.routerRows(at: state.now)))
        return (rows, state.fleetGrouping.lines(for: rows, collapsed: state.fleetGrouping == .none ? [] : state.collapsedGroups))
    }

    /// 200 routers on 10 hosts serving 10 of 100 keys each, at 120×40.
    static func largeState() -> DashboardState {
        DashboardState(snapshot: KeyViewTests.largeSnapshot(count: 200), size: Size(width: 120, height: 40),
                       now: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1))
    }

    /// The large fleet's poll `poll` (0, 1, …) at `epoch` + 2 + `poll`: every router's requests
    /// grow by a different amount each time, so a sort by rate reorders them.
    static func nextPoll(_ snapshot: FleetSnapshot, poll: Int) -> FleetSnapshot {
        var snapshot = snapshot
        for (index, id) in snapshot.order.enumerated() {
            let slots = (0..<10).map { k in
                StatsDocument.Slot(key: "key-\((index + k * 10) % 100)", hash: 0, nodes: (0..<2).map { n in
                    StatsDocument.Node(name: "10.0.\(k).\(n + 1):3031", lastCheck: UInt64(CannedFleets.epoch) + 2,
                                       requests: UInt64((poll + 1) * 10_000 + (index * (37 + poll * 11) + k + n) % 1_000),
                                       failcnt: UInt64(n))
                })
            }
            snapshot.recordSuccess(StatsDocument(version: "fleetrouter 0.1.0", pid: 1, cwd: "/", activeSessions: 1,
                                                 subscriptions: slots, kind: "http", cheapMode: .auto),
                                   for: id, at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 2 + Double(poll)))
        }
        return snapshot
    }

    @Test("what the state asks the poller for follows its sort, filter, grouping, folded groups and key view")
    func preparationFollowsView() {
        var state = cannedState(width: 120, height: 40, snapshot: CannedFleets.snapshot())
        #expect(state.snapshotPreparation == SnapshotPreparation(fleetView: FleetView()))
        press(.char(">"), .char("s"), state: &state)
        #expect(state.snapshotPreparation.fleetView?.sort == TableSort(RouterColumn.kind, .descending))
        press(.char("b"), state: &state)
        #expect(state.snapshotPreparation.fleetView?.grouping == .host)
        state.fleetTable.selected = 0
        press(.enter, state: &state)
        #expect(state.snapshotPreparation.fleetView?.collapsed.count == 1)
        press(.char("K"), state: &state)
        #expect(state.snapshotPreparation.keyAggregates)
        #expect(state.snapshotPreparation.fleetView == state.fleetView)
    }

    @Test("delivered prepared, the rows and lines are the snapshot's, not derived again")
    func readsPrepared() {
        var state = Self.largeState()
        var snapshot = Self.nextPoll(state.snapshot, poll: 0)
        // Rows no sort would give: only read from the snapshot could they show.
        let marker = Array(snapshot.routerRows(at: state.now).reversed().prefix(5))
        // Totals no fleet of 200 adds up to: the header reads the prepared ones.
        var markerTotals = FleetTotals()
        markerTotals.routers = 4_242
        snapshot.preparedFleet = PreparedFleetLines(view: state.fleetView, expiredNodes: 0, rows: marker,
                                                    measures: marker.map(\.measures), lines: marker.map(FleetLine.router),
                                                    totals: markerTotals)
        _ = update(state: &state, event: .snapshotUpdated(snapshot))
        #expect(state.fleetRows == marker)
        #expect(state.fleetLines == marker.map(FleetLine.router))
        #expect(state.fleetTotals == markerTotals)
        #expect(draw(state).text.contains(marker[0].name))
        // Another sort: derived here.
        press(.char("s"), state: &state)
        #expect(state.fleetRows == Self.derived(state).rows)
        #expect(state.fleetRows.count == 200)
    }

    @Test("the column widths from the poller's measures are those from the rows; measures of other rows are not used")
    func widthsFromPreparedMeasures() throws {
        var state = Self.largeState()
        var snapshot = Self.nextPoll(state.snapshot, poll: 0)
        snapshot.prepare(state.snapshotPreparation, at: state.now)
        _ = update(state: &state, event: .snapshotUpdated(snapshot))
        let rows = state.fleetRows
        let measures = try #require(state.preparedFleetRowMeasures)
        #expect(measures == rows.map(\.measures))
        for ascii in [false, true] {
            #expect(FleetScreen.NaturalWidths(rows, measures: measures, ascii: ascii) == FleetScreen.NaturalWidths(rows, ascii: ascii))
        }
        // Measures that claim the longest kind: used when they are the rows', ignored when
        // there are not as many as rows.
        #expect(FleetScreen.NaturalWidths(rows, ascii: false).kind < FleetScreen.NaturalWidths.kindLimit)
        var wide = measures
        wide[0].kindLength = FleetScreen.NaturalWidths.kindLimit
        #expect(FleetScreen.NaturalWidths(rows, measures: wide, ascii: false).kind == FleetScreen.NaturalWidths.kindLimit)
        #expect(FleetScreen.NaturalWidths(rows, measures: Array(wide.dropLast()), ascii: false) == FleetScreen.NaturalWidths(rows, ascii: false))
    }

    @Test("prepared or derived, the same rows, lines and selection after each poll and tick",
          arguments: [FleetGrouping.none, .host, .key])
    func sameAsDerived(grouping: FleetGrouping) throws {
        // Two states (copies would share their caches), by rate, highest first: each poll
        // reorders the routers.
        func start() -> DashboardState {
            var state = Self.largeState()
            press(.char("<"), .char("<"), .char("<"), .char("s"), state: &state)
            while state.fleetGrouping != grouping { press(.char("b"), state: &state) }
            press(.down, .down, .down, .down, .down, state: &state)
            return state
        }
        var prepared = start()
        var unprepared = start()
        #expect(prepared.fleetSort == TableSort(.requestsPerSecond, .descending))
        let selected = try #require(prepared.selectedFleetLine)
        var snapshot = prepared.snapshot
        for poll in 0..<3 {
            snapshot = Self.nextPoll(snapshot, poll: poll)
            let delivered = Self.delivered(snapshot, to: prepared)
            #expect(delivered.hasPreparedFleetLines)
            _ = update(state: &prepared, event: .snapshotUpdated(delivered))
            _ = update(state: &unprepared, event: .snapshotUpdated(snapshot))
            let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 2 + Double(poll))
            _ = update(state: &prepared, event: .tick(now))
            _ = update(state: &unprepared, event: .tick(now))
            #expect(prepared.snapshot.hasPreparedFleetLines, "a quiet tick keeps them")
            let derived = Self.derived(unprepared)
            #expect(prepared.fleetRows == derived.rows, "poll \(poll)")
            #expect(prepared.fleetLines == derived.lines, "poll \(poll)")
            #expect(unprepared.fleetLines == derived.lines, "poll \(poll)")
            #expect(prepared.fleetTable == unprepared.fleetTable, "poll \(poll)")
            #expect(prepared.selectedFleetLine?.router?.id == selected.router?.id, "the selection stays on its router")
            #expect(draw(prepared).text == draw(unprepared).text)
        }
    }

    @Test("a group folded between polls is drawn folded at once, and the next snapshots come prepared folded")
    func foldBetweenPolls() throws {
        var state = Self.largeState()
        press(.char("b"), .char("b"), state: &state)
        #expect(state.fleetGrouping == .key)
        _ = update(state: &state, event: .snapshotUpdated(Self.delivered(Self.nextPoll(state.snapshot, poll: 0), to: state)))
        state.fleetTable.selected = 0
        let before = state.fleetLines.count
        press(.enter, state: &state)
        let folded = try #require(state.fleetLines.first?.group)
        #expect(folded.collapsed)
        #expect(state.fleetLines.count == before - 20, "key-0's 20 routers are under its header")
        #expect(state.fleetLines == Self.derived(state).lines)
        let next = Self.delivered(Self.nextPoll(state.snapshot, poll: 1), to: state)
        #expect(next.preparedFleetLines(for: state.fleetView, at: state.now) != nil)
        _ = update(state: &state, event: .snapshotUpdated(next))
        #expect(state.fleetLines == Self.derived(state).lines)
        #expect(state.fleetLines.first?.group?.collapsed == true)
        #expect(state.selectedFleetLine?.group?.name == folded.name)
    }
}
