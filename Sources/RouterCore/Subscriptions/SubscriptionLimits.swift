/// Caps on what subscription packets may create, so a flood of announces for made-up keys or
/// addresses cannot grow the table without bound. The defaults are far above what a real fleet
/// of 10,000 nodes uses.
public struct SubscriptionLimits: Sendable, Hashable {
    /// Default `--subscription-max-keys`.
    public static let defaultMaximumKeys = 65_536
    /// Default `--subscription-max-nodes-per-key`.
    public static let defaultMaximumNodesPerKey = 16_384

    /// The most keys (slots) the table holds; a packet for a new key beyond it is refused.
    public var maximumKeys: Int
    /// The most nodes one key holds; a packet for a new node beyond it is refused.
    public var maximumNodesPerKey: Int

    /// Creates limits (defaults: 65,536 keys, 16,384 nodes per key).
    public init(maximumKeys: Int = defaultMaximumKeys, maximumNodesPerKey: Int = defaultMaximumNodesPerKey) {
        self.maximumKeys = maximumKeys
        self.maximumNodesPerKey = maximumNodesPerKey
    }
}

/// Where a stepwise expiry sweep of a `SubscriptionTable` has got to (a bucket number; buckets
/// are uWSGI's 65,535 hash chains, so a cursor stays valid while the table changes).
public struct ExpiryCursor: Sendable, Hashable {
    /// The next bucket to look at.
    public internal(set) var nextBucket: UInt32 = 0

    /// A cursor at the start of a sweep.
    public init() {}

    /// True once every bucket was looked at.
    public var isFinished: Bool { nextBucket >= SubscriptionHash.bucketCount }
}
