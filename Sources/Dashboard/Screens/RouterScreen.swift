import FleetModel
import RouterWire
import TUICore

/// The Router screen: a summary, the router's keys (and static nodes), and the nodes of the
/// selected key with state, weights, traffic and a sparkline; a TLS router's listeners and SNI
/// contexts below (`RouterScreen+TLS.swift`).
enum RouterScreen {
    enum KeyColumn: Hashable { case key, hits, hitsPerSecond, nodes }
    enum NodeColumn: Hashable { case name, state, weight, ref, requests, rate, failcnt, seen, tx, rx, backup, history }

    static let keyPlan = ColumnPlan<KeyColumn>(entries: [
        .init(id: .key, column: .init("KEY", width: .flexible(min: 16, max: 60)), priority: 0),
        .init(id: .hits, column: .init("HITS", width: .fixed(8), alignment: .right), priority: 2),
        .init(id: .hitsPerSecond, column: .init("HITS/S", width: .fixed(7), alignment: .right), priority: 1),
        .init(id: .nodes, column: .init("NODES", width: .fixed(12)), priority: 0),
    ])

    static let nodePlan = ColumnPlan<NodeColumn>(entries: [
        .init(id: .name, column: .init("NODE", width: .flexible(min: 15, max: 40)), priority: 0),
        .init(id: .state, column: .init("STATE", width: .fixed(9)), priority: 1),
        .init(id: .weight, column: .init("WEIGHT", width: .fixed(6), alignment: .right), priority: 3),
        .init(id: .ref, column: .init("REF", width: .fixed(4), alignment: .right), priority: 4),
        .init(id: .requests, column: .init("REQS", width: .fixed(6), alignment: .right), priority: 7),
        .init(id: .rate, column: .init("REQ/S", width: .fixed(6), alignment: .right), priority: 2),
        .init(id: .failcnt, column: .init("FAIL", width: .fixed(4), alignment: .right), priority: 6),
        .init(id: .seen, column: .init("SEEN", width: .fixed(5), alignment: .right), priority: 5),
        .init(id: .tx, column: .init("TX", width: .fixed(6), alignment: .right), priority: 9),
        .init(id: .rx, column: .init("RX", width: .fixed(6), alignment: .right), priority: 10),
        .init(id: .backup, column: .init("BKP", width: .fixed(3), alignment: .right), priority: 11),
        .init(id: .history, column: .init("TREND", width: .flexible(min: 8, max: 60, flex: 2)), priority: 8),
    ])

    static func render(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        guard let entry = state.currentRouter else { return }
        renderSummary(entry, state: state, area: layout.summary, buffer: &buffer)
        // A tuntap router has peers and firewall rules instead of keys and nodes.
        if let document = entry.latest, let peers = document.peers {
            renderTuntap(peers: peers, firewall: document.tuntapFirewall, state: state, layout: layout, buffer: &buffer)
            return
        }

        let keyRows = state.keyRows.map { row in
            TableRenderer.Row<KeyColumn>(cells: [
                .key: TableCell(row.title),
                .hits: TableCell(Format.count(row.hits)),
                .hitsPerSecond: TableCell(row.key == nil ? "-" : Format.rate(row.hitsPerSecond)),
                .nodes: TableCell("\(row.readyCount)/\(row.nodeCount) ready",
                                  style: row.readyCount < row.nodeCount ? .themed(.draining) : nil),
            ])
        }
        TableRenderer.render(plan: keyPlan, rows: keyRows, sparkline: nil, in: layout.keys, state: state.keyTable,
                             focused: state.routerPane == .keys, emptyMessage: "no subscription keys or static nodes",
                             ascii: state.options.ascii, buffer: &buffer)

        let nodeRows = state.nodeRows
        func nodeRow(_ index: Int) -> TableRenderer.Row<NodeColumn> {
            let row = nodeRows[index]
            let view = NodeStateView(row)
            return TableRenderer.Row(cells: [
                .name: TableCell(row.name, style: row.presence == .new ? .themed(.new) : nil),
                .state: TableCell(view.label, style: .themed(Presentation.role(of: view))),
                .weight: TableCell(weightText(row)),
                .ref: TableCell(Format.count(row.inFlight)),
                .requests: TableCell(Format.count(row.requests)),
                .rate: TableCell(Format.rate(row.requestsPerSecond)),
                .failcnt: TableCell(Format.count(row.failcnt)),
                .seen: TableCell(Format.age(row.lastAnnounceAge)),
                .tx: TableCell(Format.bytes(row.tx)),
                .rx: TableCell(Format.bytes(row.rx)),
                .backup: TableCell(Format.count(row.backup)),
            ], history: row.history)
        }
        let empty = state.nodeFilter.isEmpty ? "no nodes under this key" : "no node matches '\(state.nodeFilter.text)'"
        TableRenderer.render(plan: nodePlan, rowCount: nodeRows.count, row: nodeRow, sparkline: .history, in: layout.table, state: state.nodeTable,
                             focused: state.routerPane == .nodes, emptyMessage: empty,
                             ascii: state.options.ascii, buffer: &buffer)
        if let tls = entry.latest?.tls { renderTLS(tls, state: state, area: layout.tls, buffer: &buffer) }
    }

    /// `2`, or `2→4` when the operator's weight overrides the announced one.
    static func weightText(_ row: NodeRow) -> String {
        switch (row.weight, row.operatorWeight) {
        case let (weight?, operatorWeight?): return "\(weight)→\(operatorWeight)"
        case let (nil, operatorWeight?): return "→\(operatorWeight)"
        case let (weight?, nil): return String(weight)
        case (nil, nil): return "-"
        }
    }

    private static func renderSummary(_ entry: RouterEntry, state: DashboardState, area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let row = RouterRow(entry: entry, at: state.now, tolerance: state.snapshot.configuration.subscriptionTolerance)
        let (health, role) = Presentation.health(RouterStatusView(entry.status, now: state.now))
        var parts = [row.kind, entry.latest?.version ?? "", "stats \(row.address)"]
        if let admin = entry.endpoint.admin?.description ?? entry.latest?.admin { parts.append("admin \(admin)") }
        if let peers = entry.latest?.peers {
            parts.append("\(peers.count) peers")
        } else {
            parts.append("cheap \(FleetScreen.cheapText(row))")
            parts.append("\(Format.count(row.activeSessions)) sessions")
        }
        // First, so a narrow terminal still shows it.
        if let tls = entry.latest?.tls, tls.reloadFailures > 0 {
            parts.insert("TLS reload failed \(tls.reloadFailures)×", at: 0)
        }
        let line = area.row(0)
        var x = buffer.set(string: entry.id.name + "  ", at: Point(x: line.x, y: line.y), style: .themed(.title), clip: line)
        x = buffer.set(string: health, at: Point(x: x, y: line.y), style: .themed(role), clip: line)
        buffer.set(line: "  " + parts.filter { !$0.isEmpty }.joined(separator: " · "),
                   in: Rect(x: x, y: line.y, width: line.maxX - x, height: 1), style: .themed(.text))
        buffer.set(line: capabilityNote(entry, readOnly: state.options.readOnly), in: area.row(1), style: .themed(.dimmed))
    }

    /// One line saying which edits this router takes, and how.
    static func capabilityNote(_ entry: RouterEntry, readOnly: Bool) -> String {
        if readOnly { return "read-only (--readonly): edits are disabled" }
        let capabilities = entry.capabilities(readOnly: false)
        switch capabilities.flavor {
        case nil:
            return "edits: unavailable until the router answers"
        case .fleetrouter?:
            if let reason = capabilities.drain.reason { return "edits unavailable: \(reason)" }
            return "fleetrouter: every edit goes through its admin API and persists"
        case .uwsgi?:
            if case let .unavailable(reason) = capabilities.kick {
                return "uWSGI router: drain, undrain and cheap unavailable; kick and weight: \(reason)"
            }
            return "uWSGI router: kick and weight are temporary (subscription packets); drain, undrain and cheap unavailable"
        }
    }
}
