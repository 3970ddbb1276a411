import RouterWire

/// Computes `RouterRates` from two stats documents of the same router.
public enum RateCalculator {
    /// Rates between `previous` (polled at `previousAt`) and `current` (at `currentAt`); nil
    /// when the interval is not positive.
    ///
    /// Nodes are matched by (key, name). A node absent from `previous` is new and its counters
    /// count from 0 (see `CounterRate`). When the router's `pid` changed the process was
    /// restarted and every counter began again, so `previous` is ignored for all of them.
    public static func rates(
        previous: StatsDocument, at previousAt: FleetInstant,
        current: StatsDocument, at currentAt: FleetInstant
    ) -> RouterRates? {
        rates(previous: previous, at: previousAt, current: current, at: currentAt,
              sameNodes: previous.hasSameNodes(as: current))
    }

    /// As `rates(previous:at:current:at:)`; `sameNodes` says the two documents list the same
    /// keys and nodes in the same order, so counters are matched by position without hashing.
    static func rates(
        previous: StatsDocument, at previousAt: FleetInstant,
        current: StatsDocument, at currentAt: FleetInstant, sameNodes: Bool
    ) -> RouterRates? {
        let seconds = currentAt - previousAt
        guard seconds > 0, seconds.isFinite else { return nil }
        let restarted = previous.pid != current.pid
        let matched = sameNodes && !restarted
        let before = matched || restarted ? Counters() : Counters(previous)
        var rates = RouterRates(seconds: seconds)
        let nodeCount = current.subscriptions?.reduce(0) { $0 + $1.nodes.count } ?? 0
        rates.nodeRequestsPerSecond.reserveCapacity(nodeCount + (current.staticNodes?.count ?? 0))

        let slots = current.subscriptions ?? []
        let previousSlots = matched ? previous.subscriptions ?? [] : []
        for (slotIndex, slot) in slots.enumerated() {
            let previousSlot = matched ? previousSlots[slotIndex] : nil
            let previousHits = previousSlot?.hits ?? before.slotHits[slot.key]
            let hits = CounterRate.perSecond(previous: previousHits, current: slot.hits, seconds: seconds) ?? 0
            rates.slotHitsPerSecond.add(hits, to: slot.key)
            // Present (0) for a key without nodes too, once there are two polls.
            rates.keyRequestsPerSecond.add(0, to: slot.key)
            for (nodeIndex, node) in slot.nodes.enumerated() {
                let id = NodeID(key: slot.key, name: node.name)
                let old: (requests: UInt64, tx: UInt64, rx: UInt64)?
                if let previousSlot {
                    let previousNode = previousSlot.nodes[nodeIndex]
                    old = (previousNode.requests, previousNode.tx, previousNode.rx)
                } else {
                    old = before.nodes[id]
                }
                let req = CounterRate.perSecond(previous: old?.requests, current: node.requests, seconds: seconds) ?? 0
                let tx = CounterRate.perSecond(previous: old?.tx, current: node.tx, seconds: seconds) ?? 0
                let rx = CounterRate.perSecond(previous: old?.rx, current: node.rx, seconds: seconds) ?? 0
                rates.nodeRequestsPerSecond.assign(req, to: id)
                rates.requestsPerSecond += req
                rates.keyRequestsPerSecond.add(req, to: slot.key)
                rates.txPerSecond += tx
                rates.rxPerSecond += rx
            }
        }
        let statics = current.staticNodes ?? []
        let previousStatics = matched ? previous.staticNodes ?? [] : []
        for (index, node) in statics.enumerated() {
            let id = NodeID(key: nil, name: node.name)
            let previousHits = matched ? previousStatics[index].hits : before.staticHits[node.name]
            let hits = CounterRate.perSecond(previous: previousHits, current: node.hits, seconds: seconds) ?? 0
            rates.nodeRequestsPerSecond.assign(hits, to: id)
            rates.requestsPerSecond += hits
        }
        return rates
    }

    /// The counters of one document, indexed for matching.
    private struct Counters {
        var slotHits: [String: UInt64] = [:]
        var nodes: [NodeID: (requests: UInt64, tx: UInt64, rx: UInt64)] = [:]
        var staticHits: [String: UInt64] = [:]

        init() {}

        init(_ document: StatsDocument) {
            for slot in document.subscriptions ?? [] {
                slotHits[slot.key] = slot.hits
                for node in slot.nodes {
                    nodes[NodeID(key: slot.key, name: node.name)] = (node.requests, node.tx, node.rx)
                }
            }
            for node in document.staticNodes ?? [] {
                staticHits[node.name] = node.hits
            }
        }
    }
}
