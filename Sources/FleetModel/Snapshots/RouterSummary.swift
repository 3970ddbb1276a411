import RouterWire

/// What the Fleet screen shows of a router's latest document, worked out once when the document
/// is recorded instead of on every frame: kind, keys and node counts by state.
///
/// The counts depend on "now" only through uWSGI's lazy expiry, so the summary keeps the
/// `last_check` of every node that is ready unless expired and settles those at read time.
struct RouterSummary: Sendable, Hashable {
    /// `http`, `fastrouter`, … as `RouterRow.kind`.
    var kind: String
    /// Subscription keys in document order.
    var keyNames: [String]
    /// Nodes by state, counting every node that could expire as ready.
    var counts: [NodeDisplayState: Int]
    /// `last_check` of the uWSGI nodes that are ready unless expired, oldest first.
    var expiringLastChecks: [Double]
    /// All nodes, static and subscribed.
    var nodeCount: Int

    /// Summarises `document` as read from a router of `flavor`.
    init(document: StatsDocument, flavor: RouterFlavor) {
        kind = document.kind ?? document.listeners?.routerName ?? (document.peers != nil ? "tuntap" : "-")
        keyNames = document.subscriptions?.map(\.key) ?? []
        // Counted by position, turned into the dictionary once.
        var tally = [Int](repeating: 0, count: NodeDisplayState.allCases.count)
        var expiring: [Double] = []
        var total = 0
        for node in document.staticNodes ?? [] {
            tally[NodeDisplayState.of(node).position] += 1
            total += 1
        }
        for slot in document.subscriptions ?? [] {
            for node in slot.nodes {
                // With an infinitely old "now" nothing expires: the state without expiry.
                let state = NodeDisplayState.of(node, flavor: flavor, now: FleetInstant(secondsSinceEpoch: -.infinity), tolerance: 0)
                tally[state.position] += 1
                total += 1
                if state == .ready, flavor == .uwsgi { expiring.append(Double(node.lastCheck)) }
            }
        }
        expiring.sort()
        var counts: [NodeDisplayState: Int] = [:]
        for state in NodeDisplayState.allCases where tally[state.position] > 0 { counts[state] = tally[state.position] }
        self.counts = counts
        self.expiringLastChecks = expiring
        self.nodeCount = total
    }

    /// Nodes that show as expired? at `now`.
    func expiredCount(at now: FleetInstant, tolerance: Double) -> Int {
        var expired = 0
        // Oldest first: the expired ones are a prefix.
        for lastCheck in expiringLastChecks {
            guard now.secondsSinceEpoch - lastCheck > tolerance else { break }
            expired += 1
        }
        return expired
    }

    /// Nodes by state as of `now`: what `NodeDisplayState.of` gives node by node.
    func nodesByState(at now: FleetInstant, tolerance: Double) -> [NodeDisplayState: Int] {
        let expired = expiredCount(at: now, tolerance: tolerance)
        guard expired > 0 else { return counts }
        var result = counts
        let ready = (result[.ready] ?? 0) - expired
        result[.ready] = ready > 0 ? ready : nil
        result[.expired, default: 0] += expired
        return result
    }
}

extension NodeDisplayState {
    /// Index in `allCases`.
    fileprivate var position: Int {
        switch self {
        case .ready: return 0
        case .draining: return 1
        case .drained: return 2
        case .dead: return 3
        case .expired: return 4
        }
    }
}
