/// One subscription key of one router: its nodes by state and its counters, as the key view and
/// the Fleet screen's grouping by key add them up.
public struct RouterKeyStats: Sendable, Hashable {
    /// The subscription key.
    public var key: String
    /// The slot's cumulative lookups.
    public var hits: UInt64
    /// Cumulative requests over the key's nodes (pinned at `UInt64.max` rather than overflowing).
    public var requests: UInt64
    /// `failcnt` over the key's nodes (pinned at `UInt64.max` rather than overflowing).
    public var failures: UInt64
    /// The key's nodes by display state.
    public var nodesByState: [NodeDisplayState: Int]
    /// Requests per second over the key's nodes, nil before two polls.
    public var requestsPerSecond: Double?

    /// Creates the stats of one key.
    public init(key: String, hits: UInt64 = 0, requests: UInt64 = 0, failures: UInt64 = 0,
                nodesByState: [NodeDisplayState: Int] = [:], requestsPerSecond: Double? = nil) {
        self.key = key
        self.hits = hits
        self.requests = requests
        self.failures = failures
        self.nodesByState = nodesByState
        self.requestsPerSecond = requestsPerSecond
    }

    /// Nodes under the key.
    public var nodeCount: Int { nodesByState.values.reduce(0, &+) }
}
