import RouterWire

/// Where a router's keys and nodes sit in the tables each poll writes: its rates' per-key and
/// per-node dictionaries and its node tracks, in document order (each slot's nodes in turn,
/// then the static nodes). Worked out once the tables are built; while the following documents
/// list the same keys and nodes in the same order, a poll writes the tables by position
/// (`RateCalculator.rates(reusing:at:…)`) instead of hashing every node id and key again.
///
/// An index stays valid while its dictionary gains and loses no key: values written through it,
/// and a copy of the storage (which keeps every element in its bucket), keep it. So positions
/// are worked out again whenever a table is rebuilt.
struct RatePositions: Sendable {
    /// Each slot's entry in `slotHitsPerSecond`.
    var slotHits: [[String: Double].Index]
    /// Each slot's entry in `keyRequestsPerSecond`.
    var keyRequests: [[String: Double].Index]
    /// Each node's entry in `nodeRequestsPerSecond`.
    var nodeRates: [[NodeID: Double].Index]
    /// Each node's track in the entry's `nodes`.
    var tracks: [[NodeID: NodeTrack].Index]

    /// The positions of `document`'s keys and nodes in `rates` and `tracks`; nil when a table
    /// lacks one of them or a key or node is listed twice (two positions would share an entry).
    init?(document: StatsDocument, rates: RouterRates, tracks: [NodeID: NodeTrack]) {
        let slots = document.subscriptions ?? []
        let statics = document.staticNodes ?? []
        let nodeCount = slots.reduce(statics.count) { $0 + $1.nodes.count }
        guard rates.slotHitsPerSecond.count == slots.count, rates.keyRequestsPerSecond.count == slots.count,
              rates.nodeRequestsPerSecond.count == nodeCount, tracks.count == nodeCount else { return nil }
        slotHits = []
        keyRequests = []
        nodeRates = []
        self.tracks = []
        slotHits.reserveCapacity(slots.count)
        keyRequests.reserveCapacity(slots.count)
        nodeRates.reserveCapacity(nodeCount)
        self.tracks.reserveCapacity(nodeCount)
        func add(_ id: NodeID) -> Bool {
            guard let rate = rates.nodeRequestsPerSecond.index(forKey: id), let track = tracks.index(forKey: id) else { return false }
            nodeRates.append(rate)
            self.tracks.append(track)
            return true
        }
        for slot in slots {
            guard let hits = rates.slotHitsPerSecond.index(forKey: slot.key),
                  let requests = rates.keyRequestsPerSecond.index(forKey: slot.key) else { return nil }
            slotHits.append(hits)
            keyRequests.append(requests)
            for node in slot.nodes where !add(NodeID(key: slot.key, name: node.name)) { return nil }
        }
        for node in statics where !add(NodeID(key: nil, name: node.name)) { return nil }
        // Every table entry has exactly one position: the counts matched, so no two collided.
    }
}

/// A value kept alongside an entry's data that is derived from it (a cache): it never makes
/// two entries unequal, and is not hashed.
struct Derived<Value: Sendable>: Sendable, Hashable {
    /// The cached value, nil when not worked out.
    var value: Value?

    static func == (lhs: Self, rhs: Self) -> Bool { true }

    func hash(into hasher: inout Hasher) {}
}

extension RateCalculator {
    /// The rates between `previous` and `current`, two documents with the same keys and nodes
    /// in the same order and the same pid, written over `template` (the rates that ended at
    /// `previous`, whose tables hold exactly these keys and nodes at `positions`) by position.
    /// The same value `rates(previous:at:current:at:sameNodes: true)` gives; nil when the
    /// interval is not positive.
    static func rates(
        reusing template: RouterRates, at positions: RatePositions,
        previous: StatsDocument, at previousAt: FleetInstant, current: StatsDocument, at currentAt: FleetInstant
    ) -> RouterRates? {
        let seconds = currentAt - previousAt
        guard seconds > 0, seconds.isFinite else { return nil }
        var rates = template
        rates.seconds = seconds
        rates.requestsPerSecond = 0
        rates.txPerSecond = 0
        rates.rxPerSecond = 0
        let slots = current.subscriptions ?? []
        let previousSlots = previous.subscriptions ?? []
        var position = 0
        for slotIndex in slots.indices {
            let nodes = slots[slotIndex].nodes
            let previousNodes = previousSlots[slotIndex].nodes
            let hits = CounterRate.perSecond(previous: previousSlots[slotIndex].hits, current: slots[slotIndex].hits, seconds: seconds) ?? 0
            rates.slotHitsPerSecond.values[positions.slotHits[slotIndex]] = hits
            var keyRequests = 0.0
            // Fields read in place: binding whole nodes would copy (retain) each one's strings.
            for nodeIndex in nodes.indices {
                let requests = CounterRate.perSecond(previous: previousNodes[nodeIndex].requests, current: nodes[nodeIndex].requests,
                                                     seconds: seconds) ?? 0
                rates.nodeRequestsPerSecond.values[positions.nodeRates[position]] = requests
                position += 1
                keyRequests += requests
                // Summed node by node, in the order the full calculation sums them.
                rates.requestsPerSecond += requests
                rates.txPerSecond += CounterRate.perSecond(previous: previousNodes[nodeIndex].tx, current: nodes[nodeIndex].tx, seconds: seconds) ?? 0
                rates.rxPerSecond += CounterRate.perSecond(previous: previousNodes[nodeIndex].rx, current: nodes[nodeIndex].rx, seconds: seconds) ?? 0
            }
            rates.keyRequestsPerSecond.values[positions.keyRequests[slotIndex]] = keyRequests
        }
        let statics = current.staticNodes ?? []
        let previousStatics = previous.staticNodes ?? []
        for index in statics.indices {
            let hits = CounterRate.perSecond(previous: previousStatics[index].hits, current: statics[index].hits, seconds: seconds) ?? 0
            rates.nodeRequestsPerSecond.values[positions.nodeRates[position]] = hits
            position += 1
            rates.requestsPerSecond += hits
        }
        return rates
    }
}
