import FleetModel
import RouterWire
import TUICore

/// The Router screen of a router with TLS listeners (fleetrouter's `tls` stats): below its
/// nodes, one row per TLS listener (certificate expiry, handshakes, failed handshakes by
/// reason) and one per SNI context (name, source, expiry). A certificate within 14 days of its
/// expiry is flagged with `!` in the draining role; an expired one in the dead role.
extension RouterScreen {
    enum TLSColumn: Hashable { case what, name, expires, left, handshakes, failures }

    static let tlsPlan = ColumnPlan<TLSColumn>(entries: [
        .init(id: .what, column: .init("TLS", width: .fixed(8)), priority: 0),
        .init(id: .name, column: .init("LISTENER/SNI", width: .flexible(min: 14, max: 40)), priority: 0, growth: 1),
        .init(id: .expires, column: .init("EXPIRES", width: .fixed(10)), priority: 2),
        .init(id: .left, column: .init("LEFT", width: .fixed(8)), priority: 0),
        .init(id: .handshakes, column: .init("HANDSHK", width: .fixed(7), alignment: .right), priority: 3),
        .init(id: .failures, column: .init("FAILED HANDSHAKES", width: .flexible(min: 12, max: 60)), priority: 1, growth: 0),
    ])

    /// Rows the TLS list wants (header, listeners, SNI contexts); nil without TLS stats.
    static func listedTLSCount(_ document: StatsDocument?) -> Int? {
        guard let tls = document?.tls else { return nil }
        return 1 + max(1, tls.listeners.count + tls.sni.count)
    }

    /// One row per listener, then one per SNI context.
    static func tlsRows(_ tls: StatsDocument.TLSState, now: FleetInstant) -> [TableRenderer.Row<TLSColumn>] {
        let listeners = tls.listeners.map { listener in
            TableRenderer.Row<TLSColumn>(cells: [
                .what: TableCell("listener"),
                .name: TableCell(listener.name),
                .expires: TableCell(Format.date(secondsSinceEpoch: listener.expires)),
                .left: FleetScreen.certificateCell(hoursLeft: hoursLeft(listener.expires, now: now)),
                .handshakes: TableCell(Format.count(listener.handshakes)),
                .failures: failuresCell(listener.handshakeFailures),
            ])
        }
        let contexts = tls.sni.map { context in
            TableRenderer.Row<TLSColumn>(cells: [
                .what: TableCell(sourceText(context.source)),
                .name: TableCell(context.name),
                .expires: TableCell(Format.date(secondsSinceEpoch: context.expires)),
                .left: FleetScreen.certificateCell(hoursLeft: hoursLeft(context.expires, now: now)),
            ])
        }
        return listeners + contexts
    }

    /// `timeout 2 plaintext 1` (largest first), `0` when none failed.
    static func failuresCell(_ failures: [String: UInt64]) -> TableCell {
        let failed = failures.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        guard !failed.isEmpty else { return TableCell("0") }
        return TableCell(failed.map { "\($0.key) \(Format.count($0.value))" }.joined(separator: " "), style: .themed(.draining))
    }

    /// The SNI source in the TLS column's width: `sni`, `sni dir`, `sni sub`.
    static func sourceText(_ source: String) -> String {
        switch source {
        case "--sni": "sni"
        case "--sni-dir": "sni dir"
        case "subscription": "sni sub"
        default: "sni"
        }
    }

    /// Whole hours from `now` to `expiry` (negative once passed), clamped so no value traps.
    static func hoursLeft(_ expiry: UInt64, now: FleetInstant) -> Int {
        Int(max(-1e9, min(1e9, (Double(expiry) - now.secondsSinceEpoch) / 3_600)).rounded(.down))
    }

    static func renderTLS(_ tls: StatsDocument.TLSState, state: DashboardState, area: Rect, buffer: inout Buffer) {
        TableRenderer.render(plan: tlsPlan, rows: tlsRows(tls, now: state.now), sparkline: nil, in: area, state: TableState(),
                             focused: false, emptyMessage: "no TLS listener or SNI context",
                             ascii: state.options.ascii, buffer: &buffer)
    }
}
