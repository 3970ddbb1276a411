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
    /// Each subscription key's nodes and counters, in document order.
    var keys: [KeySummary]

    /// Summarises `document` as read from a router of `flavor`.
    init(document: StatsDocument, flavor: RouterFlavor) {
        kind = Self.kind(of: document)
        keyNames = document.subscriptions?.map(\.key) ?? []
        // Counted by position, turned into the dictionary once.
        var tally = StateTally()
        var expiring: [Double] = []
        var total = 0
        for node in document.staticNodes ?? [] {
            tally[NodeDisplayState.of(node).position] += 1
            total += 1
        }
        var keys: [KeySummary] = []
        keys.reserveCapacity(document.subscriptions?.count ?? 0)
        for slot in document.subscriptions ?? [] {
            var key = KeySummary(key: slot.key, hits: slot.hits)
            var keyTally = StateTally()
            for node in slot.nodes {
                // With an infinitely old "now" nothing expires: the state without expiry.
                let state = NodeDisplayState.of(node, flavor: flavor, now: FleetInstant(secondsSinceEpoch: -.infinity), tolerance: 0)
                tally[state.position] += 1
                keyTally[state.position] += 1
                total += 1
                // Counters come from the router: summed without trapping, pinned at the maximum.
                key.requests = key.requests.saturatingAdding(node.requests)
                key.failures = key.failures.saturatingAdding(node.failcnt)
                if state == .ready, flavor == .uwsgi {
                    expiring.append(Double(node.lastCheck))
                    key.expiringLastChecks.append(Double(node.lastCheck))
                }
            }
            key.expiringLastChecks.sort()
            key.counts = Self.counts(keyTally)
            keys.append(key)
        }
        self.keys = keys
        expiring.sort()
        self.counts = Self.counts(tally)
        self.expiringLastChecks = expiring
        self.nodeCount = total
    }

    /// Brings this summary of `previous` up to `document`, which lists the same static nodes
    /// and keys with the same nodes in the same order (`StatsDocument.hasSameNodes`), when no
    /// node changed state and (on a uWSGI router, whose nodes expire) no `last_check` moved:
    /// the keys' hits, requests and failures are summed again in place, and nothing is
    /// allocated. False, with the summary untouched, when only a new summary can say it.
    mutating func refresh(from previous: StatsDocument, to document: StatsDocument, flavor: RouterFlavor) -> Bool {
        guard RouterFlavor(document: previous) == flavor,
              kind == Self.kind(of: document) else { return false }
        let statics = document.staticNodes ?? []
        let previousStatics = previous.staticNodes ?? []
        guard statics.count == previousStatics.count else { return false }
        for index in statics.indices where NodeDisplayState.of(statics[index]) != NodeDisplayState.of(previousStatics[index]) {
            return false
        }
        let slots = document.subscriptions ?? []
        let previousSlots = previous.subscriptions ?? []
        guard slots.count == keys.count, previousSlots.count == keys.count else { return false }
        // Everything is checked before anything is written.
        let never = FleetInstant(secondsSinceEpoch: -.infinity)
        for slotIndex in slots.indices {
            let nodes = slots[slotIndex].nodes
            let previousNodes = previousSlots[slotIndex].nodes
            guard nodes.count == previousNodes.count else { return false }
            for nodeIndex in nodes.indices {
                if flavor == .uwsgi, nodes[nodeIndex].lastCheck != previousNodes[nodeIndex].lastCheck { return false }
                guard NodeDisplayState.of(nodes[nodeIndex], flavor: flavor, now: never, tolerance: 0)
                        == NodeDisplayState.of(previousNodes[nodeIndex], flavor: flavor, now: never, tolerance: 0) else { return false }
            }
        }
        for slotIndex in slots.indices {
            var requests: UInt64 = 0
            var failures: UInt64 = 0
            let nodes = slots[slotIndex].nodes
            for nodeIndex in nodes.indices {
                requests = requests.saturatingAdding(nodes[nodeIndex].requests)
                failures = failures.saturatingAdding(nodes[nodeIndex].failcnt)
            }
            keys[slotIndex].hits = slots[slotIndex].hits
            keys[slotIndex].requests = requests
            keys[slotIndex].failures = failures
        }
        return true
    }

    /// The kind a row shows: fleetrouter's own, else the listener list's name, else tuntap's.
    private static func kind(of document: StatsDocument) -> String {
        document.kind ?? document.listeners?.routerName ?? (document.peers != nil ? "tuntap" : "-")
    }

    /// Tallies by position turned into the dictionary the rows carry.
    private static func counts(_ tally: StateTally) -> [NodeDisplayState: Int] {
        var counts: [NodeDisplayState: Int] = [:]
        for state in NodeDisplayState.allCases where tally[state.position] > 0 { counts[state] = tally[state.position] }
        return counts
    }

    /// Nodes counted by state position, in place (no array allocated per document and key).
    private struct StateTally {
        private var counts: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)

        subscript(position: Int) -> Int {
            get {
                switch position {
                case 0: return counts.0
                case 1: return counts.1
                case 2: return counts.2
                case 3: return counts.3
                default: return counts.4
                }
            }
            set {
                switch position {
                case 0: counts.0 = newValue
                case 1: counts.1 = newValue
                case 2: counts.2 = newValue
                case 3: counts.3 = newValue
                default: counts.4 = newValue
                }
            }
        }
    }

    /// Nodes that show as expired? at `now`.
    func expiredCount(at now: FleetInstant, tolerance: Double) -> Int {
        Self.expiredCount(expiringLastChecks, at: now, tolerance: tolerance)
    }

    /// Nodes by state as of `now`: what `NodeDisplayState.of` gives node by node.
    func nodesByState(at now: FleetInstant, tolerance: Double) -> [NodeDisplayState: Int] {
        Self.applyingExpiry(to: counts, lastChecks: expiringLastChecks, at: now, tolerance: tolerance)
    }

    /// The `last_check`s (oldest first) that are past `tolerance` at `now`.
    static func expiredCount(_ lastChecks: [Double], at now: FleetInstant, tolerance: Double) -> Int {
        var expired = 0
        // Oldest first: the expired ones are a prefix.
        for lastCheck in lastChecks {
            guard now.secondsSinceEpoch - lastCheck > tolerance else { break }
            expired += 1
        }
        return expired
    }

    /// `counts` with the nodes of `lastChecks` that expired by `now` moved from ready to expired?.
    static func applyingExpiry(to counts: [NodeDisplayState: Int], lastChecks: [Double], at now: FleetInstant,
                               tolerance: Double) -> [NodeDisplayState: Int] {
        let expired = expiredCount(lastChecks, at: now, tolerance: tolerance)
        guard expired > 0 else { return counts }
        var result = counts
        let ready = (result[.ready] ?? 0) - expired
        result[.ready] = ready > 0 ? ready : nil
        result[.expired, default: 0] += expired
        return result
    }

    /// One subscription key of the document, summarised.
    struct KeySummary: Sendable, Hashable {
        /// The key.
        var key: String
        /// The slot's lookups.
        var hits: UInt64
        /// Requests over the key's nodes (saturating).
        var requests: UInt64 = 0
        /// `failcnt` over the key's nodes (saturating).
        var failures: UInt64 = 0
        /// Nodes by state, counting every node that could expire as ready.
        var counts: [NodeDisplayState: Int] = [:]
        /// `last_check` of the key's uWSGI nodes that are ready unless expired, oldest first.
        var expiringLastChecks: [Double] = []
    }
}

extension UInt64 {
    /// The sum, or `UInt64.max` when it would overflow: totals of counters a router sent are
    /// shown pinned at the top rather than trapping or wrapping to a small number.
    @inlinable
    public func saturatingAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

extension NodeDisplayState {
    /// Index in `allCases`.
    var position: Int {
        switch self {
        case .ready: return 0
        case .draining: return 1
        case .drained: return 2
        case .dead: return 3
        case .expired: return 4
        }
    }
}

/// Nodes by state in a fixed vector: adding many routers' counts up without hashing a
/// dictionary key per addition (the key view and the grouping add thousands), and without a
/// heap allocation per tally.
struct StateTally: Sendable, Hashable {
    private var counts = SIMD8<Int>()

    /// No nodes.
    init() {}

    /// The counts of `states`.
    init(_ states: [NodeDisplayState: Int]) {
        add(states)
    }

    /// Adds `states`' counts (wrapping: counts of listed nodes cannot come near `Int.max`).
    mutating func add(_ states: [NodeDisplayState: Int]) {
        for (state, count) in states { counts[state.position] &+= count }
    }

    /// Adds another tally's counts (wrapping, as above).
    mutating func add(_ other: StateTally) {
        counts &+= other.counts
    }

    /// The counts as the rows carry them (states with none left out).
    var dictionary: [NodeDisplayState: Int] {
        var result: [NodeDisplayState: Int] = [:]
        for state in NodeDisplayState.allCases where counts[state.position] != 0 { result[state] = counts[state.position] }
        return result
    }
}
