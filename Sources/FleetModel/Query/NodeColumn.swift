/// The Router screen's node-table columns.
public enum NodeColumn: String, TableColumn {
    /// Node address.
    case name
    /// Subscription key.
    case key
    /// Display state.
    case state
    /// Weight (operator weight when set).
    case weight
    /// In-flight sessions.
    case inFlight
    /// Cumulative requests.
    case requests
    /// Requests per second.
    case requestsPerSecond
    /// Failure count.
    case failcnt
    /// Seconds since last announce.
    case lastAnnounce
    /// Bytes from the node.
    case tx
    /// Bytes to the node.
    case rx
    /// Backup level.
    case backup

    /// The column header.
    public var title: String {
        switch self {
        case .name: return "NODE"
        case .key: return "KEY"
        case .state: return "STATE"
        case .weight: return "WEIGHT"
        case .inFlight: return "REF"
        case .requests: return "REQS"
        case .requestsPerSecond: return "REQ/S"
        case .failcnt: return "FAIL"
        case .lastAnnounce: return "SEEN"
        case .tx: return "TX"
        case .rx: return "RX"
        case .backup: return "BKP"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: NodeRow) -> SortKey {
        switch self {
        case .name: return .text(row.name)
        case .key: return row.key.map { .text($0) } ?? .missing
        case .state: return .number(Double(NodeDisplayState.allCases.firstIndex(of: row.state) ?? 0))
        case .weight: return .number(row.operatorWeight ?? row.weight)
        case .inFlight: return .number(row.inFlight)
        case .requests: return .number(row.requests)
        case .requestsPerSecond: return .number(row.requestsPerSecond)
        case .failcnt: return .number(row.failcnt)
        case .lastAnnounce: return .number(row.lastAnnounceAge)
        case .tx: return .number(row.tx)
        case .rx: return .number(row.rx)
        case .backup: return .number(row.backup)
        }
    }
}
