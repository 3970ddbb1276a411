import FleetModel
import RouterWire
import TUICore

/// The Fleet screen: one row per router with health, nodes by state, traffic and a sparkline.
enum FleetScreen {
    enum Column: Hashable {
        case name, kind, address, health, cheap, keys, nodes, sessions, requests, tx, rx, history
    }

    static let plan = ColumnPlan<Column>(entries: [
        .init(id: .name, column: .init("NAME", width: .flexible(min: 12, max: 24)), priority: 0),
        .init(id: .kind, column: .init("KIND", width: .fixed(6)), priority: 6),
        .init(id: .address, column: .init("ADDRESS", width: .flexible(min: 15, max: 28)), priority: 10),
        .init(id: .health, column: .init("HEALTH", width: .flexible(min: 13, max: 48, flex: 3)), priority: 1),
        .init(id: .cheap, column: .init("CHEAP", width: .fixed(9)), priority: 9),
        .init(id: .keys, column: .init("KEYS", width: .fixed(4), alignment: .right), priority: 11),
        .init(id: .nodes, column: .init("NODES", width: .fixed(10)), priority: 2),
        .init(id: .sessions, column: .init("SESS", width: .fixed(5), alignment: .right), priority: 5),
        .init(id: .requests, column: .init("REQ/S", width: .fixed(7), alignment: .right), priority: 3),
        .init(id: .tx, column: .init("TX/S", width: .fixed(6), alignment: .right), priority: 7),
        .init(id: .rx, column: .init("RX/S", width: .fixed(6), alignment: .right), priority: 8),
        .init(id: .history, column: .init("TREND", width: .flexible(min: 6, max: 60, flex: 2)), priority: 4),
    ])

    static func render(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        let ascii = state.options.ascii
        let fleetRows = state.fleetRows
        let cache = state.rowCache.cache.fleetCells
        // Only the rows in view are formatted (the renderer asks for them by index), and only
        // when their inputs changed since they were last drawn.
        func tableRow(_ index: Int) -> TableRenderer.Row<Column> {
            let row = fleetRows[index]
            let inputs = FleetCellCache.Inputs(row, now: state.now, ascii: ascii)
            return TableRenderer.Row(cells: cache.cells(row.id, inputs, format: cells), history: row.history)
        }
        func sparkline(_ index: Int, width: Int) -> String {
            let row = fleetRows[index]
            return cache.sparkline(row.id, .init(history: row.history, width: width, ascii: ascii)) {
                Sparkline($0.history, ascii: $0.ascii).text(width: $0.width)
            }
        }
        let empty = state.fleetFilter.isEmpty ? "no routers configured" : "no router matches '\(state.fleetFilter.text)'"
        TableRenderer.render(plan: plan, rowCount: fleetRows.count, row: tableRow, sparkline: .history, sparklineText: sparkline,
                             in: layout.table, state: state.fleetTable, emptyMessage: empty, ascii: ascii, buffer: &buffer)
    }

    /// The text cells of a row (all but the sparkline), formatted from `inputs` alone.
    static func cells(_ inputs: FleetCellCache.Inputs) -> [Column: TableCell] {
        let glyphs = inputs.ascii ? Glyphs.plain : Glyphs.unicode
        let (health, healthRole) = Presentation.health(inputs.health)
        let hasData = inputs.flavor != nil
        var cells: [Column: TableCell] = [
            .name: TableCell(inputs.name, style: inputs.presence == .new ? .themed(.new) : nil),
            .kind: TableCell(inputs.kind + (inputs.flavor == .uwsgi ? "*" : "")),
            .address: TableCell(inputs.address),
            .health: TableCell(health, style: .themed(healthRole)),
            .cheap: TableCell(cheapText(cheap: inputs.cheap, mode: inputs.cheapMode)),
            .keys: TableCell(hasData ? String(inputs.keys) : "-"),
            .nodes: TableCell(hasData ? glyphs.nodeCounts(inputs.nodesByState) : "-", style: nodesRole(inputs.nodesByState)),
            .sessions: TableCell(Format.count(inputs.activeSessions)),
            .requests: TableCell(Format.rate(inputs.requestsPerSecond)),
            .tx: TableCell(Format.bytes(inputs.txPerSecond)),
            .rx: TableCell(Format.bytes(inputs.rxPerSecond)),
        ]
        if inputs.isOK == false, hasData {
            // Old numbers stay visible but dimmed, so nobody mistakes them for live ones.
            for column in [Column.sessions, .requests, .tx, .rx] { cells[column]?.style = .themed(.dimmed) }
        }
        return cells
    }

    /// `no (auto)`, `yes (on)`, `yes`, `-`.
    static func cheapText(_ row: RouterRow) -> String { cheapText(cheap: row.cheap, mode: row.cheapMode) }

    private static func cheapText(cheap: UInt64?, mode: StatsDocument.CheapMode?) -> String {
        guard let cheap else { return mode?.rawValue ?? "-" }
        let word = cheap == 1 ? "yes" : "no"
        return mode.map { "\(word) (\($0.rawValue))" } ?? word
    }

    private static func nodesRole(_ counts: [NodeDisplayState: Int]) -> Style? {
        if (counts[.dead] ?? 0) + (counts[.expired] ?? 0) > 0 { return .themed(.dead) }
        if (counts[.draining] ?? 0) + (counts[.drained] ?? 0) > 0 { return .themed(.draining) }
        return nil
    }
}
