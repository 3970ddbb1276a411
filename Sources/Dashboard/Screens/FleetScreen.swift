import FleetModel
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
        let glyphs = Glyphs.forState(state)
        let fleetRows = state.fleetRows
        // Only the rows in view are formatted (the renderer asks for them by index).
        func tableRow(_ index: Int) -> TableRenderer.Row<Column> {
            let row = fleetRows[index]
            let (health, healthRole) = Presentation.health(RouterStatusView(row.status, now: state.now))
            let hasData = row.flavor != nil
            var cells: [Column: TableCell] = [
                .name: TableCell(row.name, style: row.presence == .new ? .themed(.new) : nil),
                .kind: TableCell(row.kind + (row.flavor == .uwsgi ? "*" : "")),
                .address: TableCell(row.address),
                .health: TableCell(health, style: .themed(healthRole)),
                .cheap: TableCell(cheapText(row)),
                .keys: TableCell(hasData ? String(row.keys) : "-"),
                .nodes: TableCell(hasData ? glyphs.nodeCounts(row.nodesByState) : "-", style: nodesRole(row)),
                .sessions: TableCell(Format.count(row.activeSessions)),
                .requests: TableCell(Format.rate(row.requestsPerSecond)),
                .tx: TableCell(Format.bytes(row.txPerSecond)),
                .rx: TableCell(Format.bytes(row.rxPerSecond)),
            ]
            if row.status.isOK == false, hasData {
                // Old numbers stay visible but dimmed, so nobody mistakes them for live ones.
                for column in [Column.sessions, .requests, .tx, .rx] { cells[column]?.style = .themed(.dimmed) }
            }
            return TableRenderer.Row(cells: cells, history: row.history)
        }
        let empty = state.fleetFilter.isEmpty ? "no routers configured" : "no router matches '\(state.fleetFilter.text)'"
        TableRenderer.render(plan: plan, rowCount: fleetRows.count, row: tableRow, sparkline: .history, in: layout.table, state: state.fleetTable,
                             emptyMessage: empty, ascii: state.options.ascii, buffer: &buffer)
    }

    /// `no (auto)`, `yes (on)`, `yes`, `-`.
    static func cheapText(_ row: RouterRow) -> String {
        guard let cheap = row.cheap else { return row.cheapMode?.rawValue ?? "-" }
        let word = cheap == 1 ? "yes" : "no"
        return row.cheapMode.map { "\(word) (\($0.rawValue))" } ?? word
    }

    private static func nodesRole(_ row: RouterRow) -> Style? {
        if (row.nodesByState[.dead] ?? 0) + (row.nodesByState[.expired] ?? 0) > 0 { return .themed(.dead) }
        if (row.nodesByState[.draining] ?? 0) + (row.nodesByState[.drained] ?? 0) > 0 { return .themed(.draining) }
        return nil
    }
}
