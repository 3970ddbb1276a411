import FleetModel
import RouterWire

/// `fleettop snapshot`'s text form: a ROUTERS table, then KEYS and NODES of every router that
/// answered. Counters are printed raw (script-friendly); rates appear when two polls exist.
public enum SnapshotTextRenderer {
    /// The fleet as text tables, every line ending in a newline.
    public static func render(_ snapshot: FleetSnapshot, at now: FleetInstant) -> String {
        let tolerance = snapshot.configuration.subscriptionTolerance
        var routers = TextTable([
            ("ROUTER", .left), ("KIND", .left), ("ADDRESS", .left), ("HEALTH", .left), ("CHEAP", .left),
            ("KEYS", .right), ("NODES", .right), ("STATES", .left), ("SESSIONS", .right), ("REQ/S", .right),
        ])
        var keys = TextTable([
            ("ROUTER", .left), ("KEY", .left), ("NODES", .right), ("READY", .right), ("HITS", .right), ("HITS/S", .right),
        ])
        var nodes = TextTable([
            ("ROUTER", .left), ("KEY", .left), ("NODE", .left), ("STATE", .left), ("WEIGHT", .right),
            ("IN-FLIGHT", .right), ("REQUESTS", .right), ("REQ/S", .right), ("FAILCNT", .right),
            ("TX", .right), ("RX", .right),
        ])
        for entry in snapshot.entries {
            let row = RouterRow(entry: entry, at: now, tolerance: tolerance)
            let answered = entry.latest != nil
            routers.append([
                row.name, row.kind, row.address, health(row.status, at: now), cheap(row),
                answered ? String(row.keys) : "-", answered ? String(row.nodeCount) : "-",
                answered ? states(row.nodesByState) : "-",
                row.activeSessions.map(String.init) ?? "-", rate(row.requestsPerSecond),
            ])
            guard answered else { continue }
            for slot in entry.slotRows(at: now, tolerance: tolerance) {
                keys.append([
                    row.name, slot.key, String(slot.nodeCount), String(slot.readyCount), String(slot.hits),
                    rate(slot.hitsPerSecond),
                ])
            }
            for node in entry.nodeRows(at: now, tolerance: tolerance) {
                let weight = node.operatorWeight.map { "\($0)*" } ?? node.weight.map(String.init) ?? "-"
                nodes.append([
                    row.name, node.key ?? "(static)", node.name, isGone(node.presence) ? "gone" : node.state.label,
                    weight, node.inFlight.map(String.init) ?? "-", String(node.requests), rate(node.requestsPerSecond),
                    node.failcnt.map(String.init) ?? "-", node.tx.map(String.init) ?? "-", node.rx.map(String.init) ?? "-",
                ])
            }
        }
        var lines = ["ROUTERS"] + routers.lines
        if !keys.rows.isEmpty { lines += ["", "KEYS"] + keys.lines }
        if !nodes.rows.isEmpty { lines += ["", "NODES"] + nodes.lines }
        return lines.joined(separator: "\n") + "\n"
    }

    static func health(_ status: RouterStatus, at now: FleetInstant) -> String {
        switch status {
        case .neverPolled: return "-"
        case .ok: return "ok"
        case let .stale(since, _):
            let seconds = now - since
            return seconds.isFinite && seconds.magnitude < 1e15 ? "stale \(Int(seconds.rounded(.down)))s" : "stale"
        case .unreachable: return "down"
        case .gone: return "gone"
        }
    }

    static func isGone(_ presence: Presence) -> Bool {
        if case .gone = presence { return true }
        return false
    }

    static func cheap(_ row: RouterRow) -> String {
        guard let cheap = row.cheap else { return row.cheapMode?.rawValue ?? "-" }
        let state = cheap == 0 ? "no" : "yes"
        return row.cheapMode.map { "\(state) (\($0.rawValue))" } ?? state
    }

    static func states(_ counts: [NodeDisplayState: Int]) -> String {
        let parts = NodeDisplayState.allCases.compactMap { state in
            counts[state].flatMap { $0 > 0 ? "\(state.label) \($0)" : nil }
        }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format1: value)
    }
}

extension String {
    /// `value` with one decimal (`12.5`), without Foundation's locale-dependent formatting.
    init(format1 value: Double) {
        let tenths = (value * 10).rounded()
        let negative = tenths < 0
        let magnitude = Int(abs(tenths))
        self = (negative ? "-" : "") + "\(magnitude / 10).\(magnitude % 10)"
    }
}
