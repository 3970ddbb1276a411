import FleetModel
import FleetModelTesting
import TUICore
import Testing
@testable import Dashboard
import TUICoreTesting
import ThreadTesting

/// The Fleet table reformats a row only when what it shows changed.
@Suite(.ownThread)
struct FleetCellCacheTests {
    let later = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 2)

    @Test("redrawing and moving the selection reformat nothing")
    func redrawReuses() {
        var state = cannedState(width: 200, height: 30)
        let cache = state.rowCache.cache.fleetCells
        let first = draw(state).lines
        let formatted = cache.formatted
        #expect(formatted.rows == state.fleetRows.count)
        press(.down, state: &state)
        _ = draw(state)
        press(.up, state: &state)
        #expect(draw(state).lines == first)
        #expect(cache.formatted == formatted)
    }

    @Test("a new poll of one router reformats its row only, and the frame matches an uncached one")
    func changedRowOnly() throws {
        var state = cannedState(width: 200, height: 30)
        let cache = state.rowCache.cache.fleetCells
        _ = draw(state)
        let before = state.fleetRows.map { ($0.id, cache.formattedRows(of: $0.id)) }
        var next = state.snapshot
        next.recordSuccess(CannedFleets.fleetrouterHTTP(requestsScale: 5), for: CannedFleets.fleetrouterID, at: later)
        _ = update(state: &state, event: .snapshotUpdated(next))
        _ = update(state: &state, event: .tick(later))
        let cached = draw(state).lines
        for (router, count) in before {
            let expected = router == CannedFleets.fleetrouterID ? count + 1 : count
            #expect(cache.formattedRows(of: router) == expected, "\(router)")
        }
        // A state with an empty cache draws the same frame.
        var fresh = cannedState(width: 200, height: 30, snapshot: next)
        _ = update(state: &fresh, event: .tick(later))
        #expect(fresh.rowCache.cache !== state.rowCache.cache)
        #expect(draw(fresh).lines == cached)
        let changed = try #require(state.fleetRows.first { $0.id == CannedFleets.fleetrouterID })
        let line = try #require(row(containing: changed.name, in: draw(state)))
        #expect(cached[line].contains(Format.rate(changed.requestsPerSecond)))
    }

    @Test("the ASCII option reformats every row with ASCII glyphs")
    func asciiChangesInputs() {
        let state = cannedState(width: 200, height: 30)
        let cache = state.rowCache.cache.fleetCells
        _ = draw(state)
        let formatted = cache.formatted.rows
        var ascii = state
        ascii.options.ascii = true
        let lines = draw(ascii).lines
        #expect(cache.formatted.rows == formatted + state.fleetRows.count)
        #expect(!lines.joined().contains("✓"))
        #expect(lines.joined().contains("ok"))
    }
}
