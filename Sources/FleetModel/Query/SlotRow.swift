import RouterWire

/// One subscription key of a router, for the Router screen.
public struct SlotRow: Sendable, Hashable, Identifiable, Searchable {
    /// The subscription key.
    public var key: String
    /// uWSGI's hash bucket.
    public var hash: UInt64
    /// Cumulative node lookups.
    public var hits: UInt64
    /// Lookups per second, nil before two polls.
    public var hitsPerSecond: Double?
    /// Nodes in the slot.
    public var nodeCount: Int
    /// Nodes that are ready.
    public var readyCount: Int
    /// The slot algorithm (uWSGI master only).
    public var algo: String?
    /// Node addresses (searched by the filter).
    public var nodeNames: [String]

    /// The key.
    public var id: String { key }

    /// Key and node addresses.
    public var searchFields: [String] { [key] + nodeNames }

    /// `key` and `node` (`addr`) for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        switch field {
        case "key": return [key]
        case "node", "addr", "address": return nodeNames
        default: return nil
        }
    }
}

/// The Router screen's key-table columns.
public enum SlotColumn: String, TableColumn {
    /// Subscription key.
    case key
    /// Cumulative hits.
    case hits
    /// Hits per second.
    case hitsPerSecond
    /// Node count.
    case nodes

    /// The column header.
    public var title: String {
        switch self {
        case .key: return "KEY"
        case .hits: return "HITS"
        case .hitsPerSecond: return "HITS/S"
        case .nodes: return "NODES"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: SlotRow) -> SortKey {
        switch self {
        case .key: return .text(row.key)
        case .hits: return .number(row.hits)
        case .hitsPerSecond: return .number(row.hitsPerSecond)
        case .nodes: return .number(Double(row.nodeCount))
        }
    }
}

extension RouterEntry {
    /// The router's subscription keys in document order, as of `now`.
    public func slotRows(at now: FleetInstant, tolerance: Double) -> [SlotRow] {
        let flavor = self.flavor ?? .uwsgi
        return (latest?.subscriptions ?? []).map { slot in
            SlotRow(
                key: slot.key, hash: slot.hash, hits: slot.hits,
                hitsPerSecond: rates?.slotHitsPerSecond[slot.key],
                nodeCount: slot.nodes.count,
                readyCount: slot.nodes.filter {
                    NodeDisplayState.of($0, flavor: flavor, now: now, tolerance: tolerance) == .ready
                }.count,
                algo: slot.algo, nodeNames: slot.nodes.map(\.name))
        }
    }
}
