/// One node of one subscription key on one router: the key view's drill-down lists every router
/// serving the key with each of its nodes there.
public struct KeyNodeRow: Sendable, Hashable, Identifiable, Searchable {
    /// Identity: the router and the node address (nil for a router listing the key without nodes).
    public struct ID: Sendable, Hashable {
        /// The router.
        public var router: RouterID
        /// The node address.
        public var node: String?
    }

    /// The router.
    public var router: RouterID
    /// The router's host (as `RouterRow.host`).
    public var host: String
    /// The router's health.
    public var routerStatus: RouterStatus
    /// The node as that router sees it; nil when the router lists the key with no node.
    public var node: NodeRow?

    /// Router and node address.
    public var id: ID { ID(router: router, node: node?.name) }

    /// Router name, host, node address and state.
    public var searchFields: [String] {
        [router.name, host, node?.name ?? "", node?.state.label ?? "", routerStatus.label]
    }

    /// `router` (`name`), `host`, `node` (`addr`), `state` and `status` for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        switch field {
        case "router", "name": return [router.name]
        case "host": return [host]
        case "node", "addr", "address": return node.map { [$0.name] } ?? []
        case "state": return node.map { [$0.state.label] } ?? []
        case "status": return [routerStatus.label]
        default: return nil
        }
    }
}

/// When a key's drill-down rows, derived at one time, read the same at another: as long as
/// no node changes between ready and expired? (uWSGI's expiry, `tolerance` seconds after a
/// node's last announce), since time changes nothing else in them but the ages, which
/// `NodeRow.lastAnnounceAge(at:)` reads at any time.
public struct KeyNodeRowsValidity: Sendable, Hashable {
    /// `last_check` of the oldest announced node shown ready (the first to expire), nil for none.
    public var oldestReady: Double?
    /// `last_check` of the newest node shown expired (the first to be ready again, earlier), nil for none.
    public var newestExpired: Double?

    /// The validity of `rows`: pass all the key's rows, those a filter leaves out too. Only
    /// nodes whose state time can change count (`NodeRow.followsTime`): a fleetrouter's ready
    /// node whose document stopped arriving stays ready however old its `last_check`.
    public init(_ rows: [KeyNodeRow]) {
        for row in rows {
            guard let node = row.node, node.followsTime, let lastCheck = node.lastCheck else { continue }
            switch node.state {
            case .ready: if oldestReady.map({ lastCheck < $0 }) ?? true { oldestReady = lastCheck }
            case .expired: if newestExpired.map({ lastCheck > $0 }) ?? true { newestExpired = lastCheck }
            case .draining, .drained, .dead: break
            }
        }
    }

    /// Whether rows with this validity read the same at `now` (their ages aside).
    public func holds(at now: FleetInstant, tolerance: Double) -> Bool {
        // As `NodeDisplayState.of` decides: expired when `now - last_check > tolerance`.
        if let oldestReady, now.secondsSinceEpoch - oldestReady > tolerance { return false }
        if let newestExpired, !(now.secondsSinceEpoch - newestExpired > tolerance) { return false }
        return true
    }
}

extension FleetSnapshot {
    /// The drill-down of `key`: for each of `rows` (the Fleet rows, filtered) that lists the key,
    /// its nodes under the key as of `now` (recently gone ones included), or one row without a
    /// node when it lists none; in the order of `rows`.
    public func keyNodeRows(key: String, routers rows: [RouterRow], at now: FleetInstant) -> [KeyNodeRow] {
        let tolerance = configuration.subscriptionTolerance
        var result: [KeyNodeRow] = []
        // Compared by the hash worked out with each row first: most routers do not serve the key.
        let hash = HashedKey(key).hash
        for row in rows {
            let keys = row.keyStats
            // By index: the keys' stats are compared in place, not copied out one by one.
            guard keys.indices.contains(where: { keys[$0].keyHash == hash && keys[$0].key == key }) else { continue }
            // Read in place: copying a whole entry out of the dictionary costs more than its rows.
            guard let index = routers.index(forKey: row.id) else { continue }
            let nodes = routers.values[index].entry.nodeRows(key: key, at: now, tolerance: tolerance)
            if nodes.isEmpty {
                result.append(KeyNodeRow(router: row.id, host: row.host, routerStatus: row.status, node: nil))
            }
            for node in nodes {
                result.append(KeyNodeRow(router: row.id, host: row.host, routerStatus: row.status, node: node))
            }
        }
        return result
    }
}

/// The key drill-down's sortable columns.
public enum KeyNodeColumn: String, TableColumn {
    /// Router name.
    case router
    /// Node address.
    case node
    /// Node state.
    case state
    /// Current weight.
    case weight
    /// Cumulative requests.
    case requests
    /// Requests per second.
    case requestsPerSecond
    /// Failure count.
    case failures

    /// The column header.
    public var title: String {
        switch self {
        case .router: return "ROUTER"
        case .node: return "NODE"
        case .state: return "STATE"
        case .weight: return "WEIGHT"
        case .requests: return "REQS"
        case .requestsPerSecond: return "REQ/S"
        case .failures: return "FAIL"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: KeyNodeRow) -> SortKey {
        switch self {
        case .router: return .text(row.router.name)
        case .node: return row.node.map { .text($0.name) } ?? .missing
        case .state: return row.node.map { .number(Double(NodeDisplayState.allCases.firstIndex(of: $0.state) ?? 0)) } ?? .missing
        case .weight: return .number(row.node?.weight)
        case .requests: return .number(row.node?.requests)
        case .requestsPerSecond: return .number(row.node?.requestsPerSecond)
        case .failures: return .number(row.node?.failcnt)
        }
    }
}
