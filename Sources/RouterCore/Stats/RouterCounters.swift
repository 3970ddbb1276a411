/// Router-wide counters for metrics (the per-node ones live on the nodes, as in uWSGI's stats).
public struct RouterCounters: Sendable, Hashable {
    /// Mapper lookups (first attempts and mapper retries).
    public internal(set) var lookups: UInt64 = 0
    /// Successful backend connects.
    public internal(set) var connects: UInt64 = 0
    /// Failed backend connects.
    public internal(set) var connectFailures: UInt64 = 0
    /// Retries after a failed connect.
    public internal(set) var retries: UInt64 = 0
    /// Sessions given up because they had no key.
    public internal(set) var noKey: UInt64 = 0
    /// Sessions given up because no node was found.
    public internal(set) var noNode: UInt64 = 0
    /// Sessions given up after failed connects with nothing left to try.
    public internal(set) var retriesExhausted: UInt64 = 0
    /// Subscription packets refused as invalid.
    public internal(set) var rejectedPackets: UInt64 = 0

    /// Creates zeroed counters.
    public init() {}

    /// Adds the routing counters of another replica of the router state (lookups, connects,
    /// failures, retries, refusals). `rejectedPackets` is left alone: every replica sees every
    /// packet, so it counts each rejection already.
    public mutating func merge(routingCountersOf other: RouterCounters) {
        lookups &+= other.lookups
        connects &+= other.connects
        connectFailures &+= other.connectFailures
        retries &+= other.retries
        noKey &+= other.noKey
        noNode &+= other.noNode
        retriesExhausted &+= other.retriesExhausted
    }

    mutating func count(_ reason: GiveUpReason) {
        switch reason {
        case .noKey: noKey &+= 1
        case .noNode: noNode &+= 1
        case .retriesExhausted: retriesExhausted &+= 1
        }
    }
}
