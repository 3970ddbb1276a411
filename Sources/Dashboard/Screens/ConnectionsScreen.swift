import FleetModel
import RouterWire
import TUICore

/// The Connections screen: the router's live sessions (fleetrouter only). A forkpty router's
/// sessions are ptys: they show the child's pid and command instead of a key and a node.
enum ConnectionsScreen {
    enum Column: Hashable { case client, key, node, pid, command, age, tx, rx, state }

    static let ptyPlan = ColumnPlan<Column>(entries: [
        .init(id: .client, column: .init("CLIENT", width: .flexible(min: 21, max: 46)), priority: 0),
        .init(id: .pid, column: .init("PID", width: .fixed(7), alignment: .right), priority: 1),
        .init(id: .command, column: .init("COMMAND", width: .flexible(min: 12, max: 60)), priority: 2),
        .init(id: .age, column: .init("AGE", width: .fixed(5), alignment: .right), priority: 3),
        .init(id: .tx, column: .init("TX", width: .fixed(7), alignment: .right), priority: 4),
        .init(id: .rx, column: .init("RX", width: .fixed(7), alignment: .right), priority: 5),
    ])

    static let plan = ColumnPlan<Column>(entries: [
        .init(id: .client, column: .init("CLIENT", width: .flexible(min: 21, max: 46)), priority: 0),
        .init(id: .key, column: .init("KEY", width: .flexible(min: 16, max: 40)), priority: 4),
        .init(id: .node, column: .init("NODE", width: .flexible(min: 15, max: 40)), priority: 1),
        .init(id: .age, column: .init("AGE", width: .fixed(5), alignment: .right), priority: 3),
        .init(id: .tx, column: .init("TX", width: .fixed(7), alignment: .right), priority: 5),
        .init(id: .rx, column: .init("RX", width: .fixed(7), alignment: .right), priority: 6),
        .init(id: .state, column: .init("STATE", width: .fixed(10)), priority: 2),
    ])

    static func render(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        guard let entry = state.currentRouter else { return }
        let total = entry.latest?.sessions?.count
        let title = "\(entry.id.name) connections" + (total.map { " (\($0))" } ?? "")
        buffer.set(line: title, in: layout.summary, style: .themed(.title))
        if entry.latest != nil, entry.latest?.sessions == nil {
            let message = entry.flavor == .uwsgi
                ? "not available for uWSGI routers (their stats do not list sessions)"
                : "this router does not list its sessions"
            buffer.set(line: message, in: layout.table.row(0), style: .themed(.dimmed))
            return
        }
        let sessionRows = state.sessionRows
        let rows = sessionRows.map { row in
            TableRenderer.Row<Column>(cells: [
                .client: TableCell(row.session.client),
                .key: TableCell(row.session.key),
                .node: TableCell(row.session.node.isEmpty ? "-" : row.session.node),
                .age: TableCell(Format.age(Double(row.session.age))),
                .tx: TableCell(Format.bytes(row.session.tx)),
                .rx: TableCell(Format.bytes(row.session.rx)),
                .state: TableCell(row.session.state),
                .pid: TableCell(row.session.pid.map { String($0) } ?? "-"),
                .command: TableCell(row.session.command ?? "-"),
            ])
        }
        let isPty = sessionRows.contains { $0.session.pid != nil }
        let empty = entry.latest == nil ? "no stats from this router yet"
            : (state.sessionFilter.isEmpty ? "no open sessions" : "no session matches '\(state.sessionFilter.text)'")
        TableRenderer.render(plan: isPty ? ptyPlan : plan, rows: rows, sparkline: nil, in: layout.table, state: state.sessionTable,
                             emptyMessage: empty, ascii: state.options.ascii, buffer: &buffer)
    }
}
