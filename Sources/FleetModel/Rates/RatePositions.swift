import RouterWire

/// Where a router's keys and nodes sit in the tables each poll writes: its rates' per-key and
/// per-node tables and its node histories, in document order (each slot's nodes in turn,
/// then the static nodes). Worked out once the tables are built; while the following documents
/// list the same keys and nodes in the same order, a poll writes the tables by position
/// (`RateCalculator.rates(reusing:at:…)`) instead of hashing every node id and key again.
///
/// A position stays valid while its table gains and loses no key, so positions are worked out
/// again whenever a table is rebuilt.
struct RatePositions: Sendable {
    /// Each slot's position in `slotHitsPerSecond`.
    var slotHits: [Int]
    /// Each slot's position in `keyRequestsPerSecond`.
    var keyRequests: [Int]
    /// Each node's position in `nodeRequestsPerSecond`.
    var nodeRates: [Int]
    /// Each node's history in the entry's `nodeHistories`.
    var histories: [Int]

    /// The positions of `document`'s keys and nodes in `rates` and in the histories `tracks`
    /// point to; nil when a table
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
        histories = []
        slotHits.reserveCapacity(slots.count)
        keyRequests.reserveCapacity(slots.count)
        nodeRates.reserveCapacity(nodeCount)
        histories.reserveCapacity(nodeCount)
        func add(_ id: NodeID) -> Bool {
            guard let rate = rates.nodeRequestsPerSecond.position(of: id), let track = tracks[id] else { return false }
            nodeRates.append(rate)
            histories.append(track.history)
            return true
        }
        for slot in slots {
            guard let hits = rates.slotHitsPerSecond.position(of: slot.key),
                  let requests = rates.keyRequestsPerSecond.position(of: slot.key) else { return nil }
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
            rates.slotHitsPerSecond.set(hits, at: positions.slotHits[slotIndex])
            var keyRequests = 0.0
            // Fields read in place: binding whole nodes would copy (retain) each one's strings.
            for nodeIndex in nodes.indices {
                let requests = CounterRate.perSecond(previous: previousNodes[nodeIndex].requests, current: nodes[nodeIndex].requests,
                                                     seconds: seconds) ?? 0
                rates.nodeRequestsPerSecond.set(requests, at: positions.nodeRates[position])
                position += 1
                keyRequests += requests
                // Summed node by node, in the order the full calculation sums them.
                rates.requestsPerSecond += requests
                rates.txPerSecond += CounterRate.perSecond(previous: previousNodes[nodeIndex].tx, current: nodes[nodeIndex].tx, seconds: seconds) ?? 0
                rates.rxPerSecond += CounterRate.perSecond(previous: previousNodes[nodeIndex].rx, current: nodes[nodeIndex].rx, seconds: seconds) ?? 0
            }
            rates.keyRequestsPerSecond.set(keyRequests, at: positions.keyRequests[slotIndex])
        }
        let statics = current.staticNodes ?? []
        let previousStatics = previous.staticNodes ?? []
        for index in statics.indices {
            let hits = CounterRate.perSecond(previous: previousStatics[index].hits, current: statics[index].hits, seconds: seconds) ?? 0
            rates.nodeRequestsPerSecond.set(hits, at: positions.nodeRates[position])
            position += 1
            rates.requestsPerSecond += hits
        }
        return rates
    }
}
