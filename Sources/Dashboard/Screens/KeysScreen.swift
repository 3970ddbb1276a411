import FleetModel
import RouterWire
import TUICore

/// The key view (`K`): one row per subscription key of the fleet with the routers serving it,
/// its nodes by state everywhere, its requests and failures; and one key's drill-down: every
/// router serving it with each of its nodes there.
///
/// Both follow the Fleet filter: `host:web-*` on the Fleet screen, then `K`, shows the keys of
/// the web hosts only.
enum KeysScreen {
    enum KeyColumn: Hashable { case key, routers, nodes, requests, rate, failures }
    enum NodeColumn: Hashable { case router, health, node, state, weight, requests, rate, failures, seen }

    static let keyPlan = ColumnPlan<KeyColumn>(entries: [
        .init(id: .key, column: .init("KEY", width: .flexible(min: 16, max: 60)), priority: 0),
        .init(id: .routers, column: .init("ROUTERS", width: .flexible(min: 9, max: 18)), priority: 0),
        .init(id: .nodes, column: .init("NODES", width: .fixed(14)), priority: 1),
        .init(id: .requests, column: .init("REQUESTS", width: .fixed(8), alignment: .right), priority: 4),
        .init(id: .rate, column: .init("REQ/S", width: .fixed(6), alignment: .right), priority: 2),
        .init(id: .failures, column: .init("FAIL", width: .fixed(6), alignment: .right), priority: 3),
    ])

    static let nodePlan = ColumnPlan<NodeColumn>(entries: [
        .init(id: .router, column: .init("ROUTER", width: .flexible(min: 12, max: 30)), priority: 0),
        .init(id: .health, column: .init("HEALTH", width: .fixed(11)), priority: 3),
        .init(id: .node, column: .init("NODE", width: .flexible(min: 15, max: 40)), priority: 0),
        .init(id: .state, column: .init("STATE", width: .fixed(9)), priority: 1),
        .init(id: .weight, column: .init("WEIGHT", width: .fixed(6), alignment: .right), priority: 5),
        .init(id: .requests, column: .init("REQS", width: .fixed(6), alignment: .right), priority: 6),
        .init(id: .rate, column: .init("REQ/S", width: .fixed(6), alignment: .right), priority: 2),
        .init(id: .failures, column: .init("FAIL", width: .fixed(4), alignment: .right), priority: 4),
        .init(id: .seen, column: .init("SEEN", width: .fixed(5), alignment: .right), priority: 7),
    ])

    /// `11/12 ok`, with `+1 gone` when routers that served the key left the registry.
    static func routersText(_ row: KeyAggregate) -> String {
        "\(row.okRouters)/\(row.routers) ok" + (row.goneRouters > 0 ? " +\(row.goneRouters) gone" : "")
    }

    /// The node counts' role: dead first, then drained; nil when every node is ready.
    static func nodesRole(_ counts: [NodeDisplayState: Int]) -> Style? {
        if (counts[.dead] ?? 0) + (counts[.expired] ?? 0) > 0 { return .themed(.dead) }
        if (counts[.draining] ?? 0) + (counts[.drained] ?? 0) > 0 { return .themed(.draining) }
        return nil
    }

    /// The key view.
    static func render(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        let glyphs = Glyphs.forState(state)
        let rows = state.fleetKeyRows
        let all = state.fleetKeyAggregates
        var title = "\(all.count) key\(all.count == 1 ? "" : "s") over \(state.fleetRows.count) router\(state.fleetRows.count == 1 ? "" : "s")"
        if !state.fleetFilter.isEmpty { title += " (Fleet filter '\(state.fleetFilter.text)')" }
        if rows.count != all.count { title += ", \(rows.count) shown" }
        buffer.set(line: title, in: layout.summary.row(0), style: .themed(.title))
        func tableRow(_ index: Int) -> TableRenderer.Row<KeyColumn> {
            let row = rows[index]
            return TableRenderer.Row(cells: [
                .key: TableCell(row.key),
                .routers: TableCell(routersText(row), style: row.troubledRouters > 0 ? .themed(.stale) : nil),
                .nodes: TableCell(glyphs.nodeCounts(row.nodesByState), style: nodesRole(row.nodesByState)),
                .requests: TableCell(Format.count(row.requests)),
                .rate: TableCell(Format.rate(row.requestsPerSecond)),
                .failures: TableCell(Format.count(row.failures), style: row.failures > 0 ? .themed(.dead) : nil),
            ])
        }
        let empty = all.isEmpty ? "no router lists a subscription key" : "no key matches '\(state.fleetKeyFilter.text)'"
        TableRenderer.render(plan: keyPlan, rowCount: rows.count, row: tableRow, sparkline: nil, in: layout.table,
                             state: state.fleetKeyTable, emptyMessage: empty, ascii: state.options.ascii, buffer: &buffer)
    }

    /// One key's drill-down.
    static func renderKey(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        guard let key = state.drilledKey else { return }
        let glyphs = Glyphs.forState(state)
        let line = layout.summary.row(0)
        let x = buffer.set(string: key + "  ", at: Point(x: line.x, y: line.y), style: .themed(.title), clip: line)
        if let aggregate = state.drilledKeyAggregate {
            // Most telling first: a narrow terminal cuts the end.
            let parts = [
                "routers " + routersText(aggregate),
                "nodes " + glyphs.nodeCounts(aggregate.nodesByState),
                "\(Format.rate(aggregate.requestsPerSecond)) req/s",
                "\(Format.count(aggregate.failures)) fail",
                "\(Format.count(aggregate.requests)) requests",
            ]
            buffer.set(line: parts.joined(separator: " · "), in: Rect(x: x, y: line.y, width: line.maxX - x, height: 1),
                       style: .themed(aggregate.troubledRouters > 0 ? .stale : .text))
        } else {
            buffer.set(line: "no router shown serves this key now", in: Rect(x: x, y: line.y, width: line.maxX - x, height: 1),
                       style: .themed(.dimmed))
        }
        if layout.summary.height > 1 {
            buffer.set(line: "Enter opens the router · / filters by router: host: node: state:",
                       in: layout.summary.row(1), style: .themed(.dimmed))
        }
        let rows = state.keyNodeRows
        func tableRow(_ index: Int) -> TableRenderer.Row<NodeColumn> {
            let row = rows[index]
            let (health, healthRole) = Presentation.healthWord(RouterStatusView(row.routerStatus, now: state.now))
            var cells: [NodeColumn: TableCell] = [
                .router: TableCell(row.router.name),
                .health: TableCell(health, style: .themed(healthRole)),
            ]
            guard let node = row.node else {
                cells[.node] = TableCell("(no nodes)", style: .themed(.dimmed))
                return TableRenderer.Row(cells: cells)
            }
            let view = NodeStateView(node)
            cells[.node] = TableCell(node.name, style: node.presence == .new ? .themed(.new) : nil)
            cells[.state] = TableCell(view.label, style: .themed(Presentation.role(of: view)))
            cells[.weight] = TableCell(RouterScreen.weightText(node))
            cells[.requests] = TableCell(Format.count(node.requests))
            cells[.rate] = TableCell(Format.rate(node.requestsPerSecond))
            cells[.failures] = TableCell(Format.count(node.failcnt))
            // The rows are kept across ticks: the age is read at drawing time.
            cells[.seen] = TableCell(Format.age(node.lastAnnounceAge(at: state.now)))
            if !row.routerStatus.isOK {
                // A router's old numbers stay visible but dimmed, as on the Fleet screen.
                for column in [NodeColumn.requests, .rate, .seen] { cells[column]?.style = .themed(.dimmed) }
            }
            return TableRenderer.Row(cells: cells)
        }
        let empty = state.keyNodeFilter.isEmpty ? "no router shown serves \(key)" : "no row matches '\(state.keyNodeFilter.text)'"
        TableRenderer.render(plan: nodePlan, rowCount: rows.count, row: tableRow, sparkline: nil, in: layout.table,
                             state: state.keyNodeTable, emptyMessage: empty, ascii: state.options.ascii, buffer: &buffer)
    }
}
