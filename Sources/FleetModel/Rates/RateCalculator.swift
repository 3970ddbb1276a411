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
        let seconds = currentAt - previousAt
        guard seconds > 0, seconds.isFinite else { return nil }
        let restarted = previous.pid != current.pid
        let before = restarted ? Counters() : Counters(previous)
        var rates = RouterRates(seconds: seconds)

        for slot in current.subscriptions ?? [] {
            let hits = CounterRate.perSecond(previous: before.slotHits[slot.key], current: slot.hits, seconds: seconds) ?? 0
            rates.slotHitsPerSecond[slot.key, default: 0] += hits
            for node in slot.nodes {
                let id = NodeID(key: slot.key, name: node.name)
                let old = before.nodes[id]
                let req = CounterRate.perSecond(previous: old?.requests, current: node.requests, seconds: seconds) ?? 0
                let tx = CounterRate.perSecond(previous: old?.tx, current: node.tx, seconds: seconds) ?? 0
                let rx = CounterRate.perSecond(previous: old?.rx, current: node.rx, seconds: seconds) ?? 0
                rates.nodeRequestsPerSecond[id] = req
                rates.nodeTxPerSecond[id] = tx
                rates.nodeRxPerSecond[id] = rx
                rates.requestsPerSecond += req
                rates.txPerSecond += tx
                rates.rxPerSecond += rx
            }
        }
        for node in current.staticNodes ?? [] {
            let id = NodeID(key: nil, name: node.name)
            let hits = CounterRate.perSecond(previous: before.staticHits[node.name], current: node.hits, seconds: seconds) ?? 0
            rates.nodeRequestsPerSecond[id] = hits
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
