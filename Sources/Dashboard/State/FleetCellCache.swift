import FleetModel
import RouterWire
import Synchronization
import TUICore

/// The Fleet table's formatted cells per router, remembered with the inputs they were formatted
/// from, so a frame reformats only the visible rows whose numbers, names or health changed.
///
/// A poll moves every router's history, but most rows keep their rates and counts; their text
/// cells are reused and only the sparkline is drawn again. A key frame reuses both. Shared by
/// copies of the state like `RowCache`; stale entries are harmless because every lookup
/// compares the full inputs.
final class FleetCellCache: Sendable {
    /// Everything a row's text cells are formatted from (the history feeds only the sparkline).
    struct Inputs: Equatable, Sendable {
        var name: String
        var presence: Presence
        var kind: String
        var flavor: RouterFlavor?
        var address: String
        // Holds the age of a stale router, so its Health text follows the clock.
        var health: RouterStatusView
        var isOK: Bool
        var cheap: UInt64?
        var cheapMode: StatsDocument.CheapMode?
        var keys: Int
        var nodesByState: [NodeDisplayState: Int]
        var activeSessions: UInt64?
        var requestsPerSecond: Double?
        var txPerSecond: Double?
        var rxPerSecond: Double?
        /// Whole hours until the earliest certificate expires (negative once expired).
        var certificateHoursLeft: Int?
        var ascii: Bool

        /// The inputs of `row` as drawn at `now`.
        init(_ row: RouterRow, now: FleetInstant, ascii: Bool) {
            name = row.name
            presence = row.presence
            kind = row.kind
            flavor = row.flavor
            address = row.address
            health = RouterStatusView(row.status, now: now)
            isOK = row.status.isOK
            cheap = row.cheap
            cheapMode = row.cheapMode
            keys = row.keys
            nodesByState = row.nodesByState
            activeSessions = row.activeSessions
            requestsPerSecond = row.requestsPerSecond
            txPerSecond = row.txPerSecond
            rxPerSecond = row.rxPerSecond
            certificateHoursLeft = row.certificateSecondsLeft(at: now).map { left in
                // A router may send any expiry; clamp before converting so none traps.
                Int(max(-1e9, min(1e9, left / 3_600)).rounded(.down))
            }
            self.ascii = ascii
        }
    }

    /// What a sparkline cell is drawn from.
    struct SparklineInputs: Equatable, Sendable {
        var history: [Double]
        var width: Int
        var ascii: Bool
    }

    private struct Entry: Sendable {
        var inputs: Inputs
        var cells: [FleetScreen.Column: TableCell]
        var sparkline: (inputs: SparklineInputs, text: String)?
    }

    // A screenful is ~60 rows; past this many (after scrolling through a large fleet) the
    // entries start over rather than grow with the fleet.
    private static let capacity = 512

    private let entries = Mutex([RouterID: Entry]())
    private let counters = Mutex((rows: 0, sparklines: 0, byRouter: [RouterID: Int]()))

    /// The text cells of `router` for `inputs`, formatted by `format` when not remembered.
    func cells(_ router: RouterID, _ inputs: Inputs,
               format: (Inputs) -> [FleetScreen.Column: TableCell]) -> [FleetScreen.Column: TableCell] {
        if let hit = entries.withLock({ $0[router].flatMap { $0.inputs == inputs ? $0.cells : nil } }) { return hit }
        let cells = format(inputs)
        entries.withLock { entries in
            if entries[router] == nil && entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            // The sparkline is kept: it depends on the history, not on these inputs.
            entries[router] = Entry(inputs: inputs, cells: cells, sparkline: entries[router]?.sparkline)
        }
        counters.withLock {
            $0.rows += 1
            $0.byRouter[router, default: 0] += 1
        }
        return cells
    }

    /// The sparkline text of `router` for `inputs`, drawn by `draw` when not remembered.
    func sparkline(_ router: RouterID, _ inputs: SparklineInputs, draw: (SparklineInputs) -> String) -> String {
        let hit = entries.withLock { entries in
            entries[router]?.sparkline.flatMap { $0.inputs == inputs ? $0.text : nil }
        }
        if let hit { return hit }
        let text = draw(inputs)
        // Stored only next to the row's cells (which are formatted first), so the capacity holds.
        entries.withLock { $0[router]?.sparkline = (inputs, text) }
        counters.withLock { $0.sparklines += 1 }
        return text
    }

    /// How many rows and sparklines were formatted rather than remembered (for tests).
    var formatted: (rows: Int, sparklines: Int) {
        counters.withLock { ($0.rows, $0.sparklines) }
    }

    /// How often the row of `router` was formatted (for tests).
    func formattedRows(of router: RouterID) -> Int {
        counters.withLock { $0.byRouter[router] ?? 0 }
    }
}
