/// Rates for one router between its two latest successful polls.
public struct RouterRates: Sendable, Hashable {
    /// Seconds between the two polls.
    public var seconds: Double
    /// Requests per second: node `requests` deltas plus static node `hits` deltas.
    public var requestsPerSecond: Double
    /// Bytes per second read from nodes (uWSGI's node `tx`, node → router).
    public var txPerSecond: Double
    /// Bytes per second written to nodes (uWSGI's node `rx`, router → node).
    public var rxPerSecond: Double
    /// Slot lookups per second by subscription key.
    public var slotHitsPerSecond: RateTable<String>
    /// Requests per second over each subscription key's nodes.
    public var keyRequestsPerSecond = RateTable<String>()
    /// Requests per second by node (static nodes under a nil key, from their `hits`).
    public var nodeRequestsPerSecond: RateTable<NodeID>

    /// Creates a rates value.
    public init(
        seconds: Double, requestsPerSecond: Double = 0, txPerSecond: Double = 0, rxPerSecond: Double = 0,
        slotHitsPerSecond: [String: Double] = [:], nodeRequestsPerSecond: [NodeID: Double] = [:]
    ) {
        self.seconds = seconds
        self.requestsPerSecond = requestsPerSecond
        self.txPerSecond = txPerSecond
        self.rxPerSecond = rxPerSecond
        self.slotHitsPerSecond = RateTable(slotHitsPerSecond)
        self.nodeRequestsPerSecond = RateTable(nodeRequestsPerSecond)
    }
}
