/// One subscription key across the fleet: which routers serve it and how its nodes are doing
/// everywhere (the key view's row).
///
/// Built by `KeyAggregate.aggregate(_:)` from the Fleet rows alone, so it follows the Fleet
/// filter and costs one pass over the routers' key summaries, not over their nodes; over the
/// whole fleet, the poller works them out with the snapshot, off the UI thread
/// (`FleetSnapshot.prepareKeyAggregates()`, read by `FleetSnapshot.keyAggregates(at:)`).
public struct KeyAggregate: Sendable, Hashable, Identifiable, Searchable {
    /// The subscription key.
    public var key: String
    /// Routers still in the fleet whose latest stats list the key.
    public var routers: Int
    /// Of `routers`, those whose status is ok.
    public var okRouters: Int
    /// Of `routers`, those whose data is stale or that stopped answering (their last numbers count).
    public var troubledRouters: Int
    /// Routers the registry no longer lists whose last stats listed the key (not counted elsewhere).
    public var goneRouters: Int
    /// The key's nodes by state, added over the routers (a node subscribed to three routers
    /// counts three times: each router has its own view of it).
    public var nodesByState: [NodeDisplayState: Int]
    /// Cumulative requests over the key's nodes on every router (pinned at `UInt64.max`).
    public var requests: UInt64
    /// `failcnt` over the key's nodes on every router (pinned at `UInt64.max`).
    public var failures: UInt64
    /// Requests per second over the routers that have a rate; nil when none has.
    public var requestsPerSecond: Double?

    /// Creates an aggregate with nothing counted.
    public init(key: String) {
        self.key = key
        routers = 0
        okRouters = 0
        troubledRouters = 0
        goneRouters = 0
        nodesByState = [:]
        requests = 0
        failures = 0
        requestsPerSecond = nil
    }

    /// The key.
    public var id: String { key }

    /// Node entries over all routers.
    public var nodeCount: Int { nodesByState.values.reduce(0, &+) }

    /// The key.
    public var searchFields: [String] { [key] }

    /// `key` for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        field == "key" ? [key] : nil
    }

    /// One aggregate per key listed by any of `rows`, in key order.
    ///
    /// A router that lists a key twice (a hostile document) is counted once for it.
    public static func aggregate(_ rows: [RouterRow]) -> [KeyAggregate] {
        var totals = KeyTotals()
        for row in rows { totals.add(row) }
        return totals.aggregates
    }
}

/// The key view's sortable columns.
public enum KeyAggregateColumn: String, TableColumn {
    /// Subscription key.
    case key
    /// Routers serving it.
    case routers
    /// Node entries.
    case nodes
    /// Nodes not ready (drained, draining, dead, expired?): trouble sorts to the top descending.
    case notReady
    /// Cumulative requests.
    case requests
    /// Requests per second.
    case requestsPerSecond
    /// Failures.
    case failures

    /// The column header.
    public var title: String {
        switch self {
        case .key: return "KEY"
        case .routers: return "ROUTERS"
        case .nodes: return "NODES"
        case .notReady: return "NOT READY"
        case .requests: return "REQUESTS"
        case .requestsPerSecond: return "REQ/S"
        case .failures: return "FAIL"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: KeyAggregate) -> SortKey {
        switch self {
        case .key: return .text(row.key)
        case .routers: return .number(Double(row.routers))
        case .nodes: return .number(Double(row.nodeCount))
        case .notReady: return .number(Double(row.nodeCount - (row.nodesByState[.ready] ?? 0)))
        case .requests: return .number(row.requests)
        case .requestsPerSecond: return .number(row.requestsPerSecond)
        case .failures: return .number(row.failures)
        }
    }
}
