/// The Fleet screen's sortable columns.
public enum RouterColumn: String, TableColumn {
    /// Router name.
    case name
    /// Router kind.
    case kind
    /// Stats address.
    case address
    /// Health (ok, stale, down, never polled).
    case health
    /// Cheap state.
    case cheap
    /// Number of keys.
    case keys
    /// Number of nodes.
    case nodes
    /// Active sessions.
    case sessions
    /// Requests per second.
    case requestsPerSecond
    /// Bytes per second from nodes.
    case tx
    /// Bytes per second to nodes.
    case rx

    /// The column header.
    public var title: String {
        switch self {
        case .name: return "NAME"
        case .kind: return "KIND"
        case .address: return "ADDRESS"
        case .health: return "HEALTH"
        case .cheap: return "CHEAP"
        case .keys: return "KEYS"
        case .nodes: return "NODES"
        case .sessions: return "SESS"
        case .requestsPerSecond: return "REQ/S"
        case .tx: return "TX/S"
        case .rx: return "RX/S"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: RouterRow) -> SortKey {
        switch self {
        case .name: return .text(row.name)
        case .kind: return .text(row.kind)
        case .address: return .text(row.address)
        case .health: return .number(Double(Self.healthRank(row.status)))
        case .cheap: return .number(row.cheap)
        case .keys: return .number(Double(row.keys))
        case .nodes: return .number(Double(row.nodeCount))
        case .sessions: return .number(row.activeSessions)
        case .requestsPerSecond: return .number(row.requestsPerSecond)
        case .tx: return .number(row.txPerSecond)
        case .rx: return .number(row.rxPerSecond)
        }
    }

    // Worst health sorts highest so a descending sort brings trouble to the top.
    private static func healthRank(_ status: RouterStatus) -> Int {
        switch status {
        case .ok: return 0
        case .neverPolled: return 1
        case .stale: return 2
        case .unreachable: return 3
        // Left the fleet: below every router still in it.
        case .gone: return -1
        }
    }
}
