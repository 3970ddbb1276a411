import RouterWire
import TUICore

/// The Router screen of a tuntap router (fleetrouter's or uWSGI's): its firewall rules and
/// routes where keys go, and its peers (address, bytes, packets, dropped) where nodes go.
/// uWSGI's document has no rules and no packet counts; those read "-" and a note says why.
extension RouterScreen {
    enum RuleColumn: Hashable { case chain, rule }
    enum PeerColumn: Hashable { case address, tx, rx, txPackets, rxPackets, dropped, pid }

    static let rulePlan = ColumnPlan<RuleColumn>(entries: [
        .init(id: .chain, column: .init("CHAIN", width: .fixed(6)), priority: 0),
        .init(id: .rule, column: .init("RULE", width: .flexible(min: 20, max: 80)), priority: 0),
    ])

    static let peerPlan = ColumnPlan<PeerColumn>(entries: [
        .init(id: .address, column: .init("PEER", width: .flexible(min: 15, max: 20)), priority: 0),
        .init(id: .tx, column: .init("TX", width: .fixed(7), alignment: .right), priority: 1),
        .init(id: .rx, column: .init("RX", width: .fixed(7), alignment: .right), priority: 1),
        .init(id: .txPackets, column: .init("TX PKTS", width: .fixed(8), alignment: .right), priority: 2),
        .init(id: .rxPackets, column: .init("RX PKTS", width: .fixed(8), alignment: .right), priority: 2),
        .init(id: .dropped, column: .init("DROPPED", width: .fixed(8), alignment: .right), priority: 0),
        .init(id: .pid, column: .init("PID", width: .fixed(7), alignment: .right), priority: 3),
    ])

    /// Rows the rule list wants on a tuntap router's screen (header, rules or the note); nil
    /// for any other router.
    static func listedRuleCount(_ document: StatsDocument?) -> Int? {
        guard let document, document.peers != nil else { return nil }
        let firewall = document.tuntapFirewall
        return 1 + max(1, (firewall?.inbound.count ?? 0) + (firewall?.outbound.count ?? 0) + (firewall?.routes.count ?? 0))
    }

    /// The firewall chains and routes, one row per rule, in order (first match wins).
    static func ruleRows(_ firewall: StatsDocument.TuntapFirewall?) -> [TableRenderer.Row<RuleColumn>] {
        guard let firewall else { return [] }
        let chains = [("in", firewall.inbound), ("out", firewall.outbound), ("route", firewall.routes)]
        return chains.flatMap { chain, rules in
            rules.map { rule in
                TableRenderer.Row(cells: [
                    .chain: TableCell(chain),
                    .rule: TableCell(rule, style: rule.hasPrefix("deny") ? .themed(.draining) : nil),
                ])
            }
        }
    }

    static func renderTuntap(
        peers: [StatsDocument.TuntapPeer], firewall: StatsDocument.TuntapFirewall?, state: DashboardState,
        layout: DashboardLayout, buffer: inout Buffer
    ) {
        let empty = firewall == nil
            ? "no firewall rules listed (uWSGI's tuntap stats do not include them)"
            : "no firewall rules: every packet is allowed"
        TableRenderer.render(plan: rulePlan, rows: ruleRows(firewall), sparkline: nil, in: layout.keys, state: state.keyTable,
                             focused: state.routerPane == .keys, emptyMessage: empty,
                             ascii: state.options.ascii, buffer: &buffer)
        let rows = peers.map { peer in
            TableRenderer.Row<PeerColumn>(cells: [
                .address: TableCell(peer.addr),
                .tx: TableCell(Format.bytes(peer.tx)),
                .rx: TableCell(Format.bytes(peer.rx)),
                .txPackets: TableCell(peer.txPackets.map(Format.count) ?? "-"),
                .rxPackets: TableCell(peer.rxPackets.map(Format.count) ?? "-"),
                .dropped: TableCell(Format.count(peer.dropped), style: peer.dropped > 0 ? .themed(.draining) : nil),
                .pid: TableCell(peer.pid == 0 ? "-" : String(peer.pid)),
            ])
        }
        TableRenderer.render(plan: peerPlan, rows: rows, sparkline: nil, in: layout.table, state: state.nodeTable,
                             focused: state.routerPane == .nodes, emptyMessage: "no peers connected",
                             ascii: state.options.ascii, buffer: &buffer)
    }
}
