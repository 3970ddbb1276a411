/// Where a session should connect, and which bookkeeping the choice belongs to.
public struct RouteTarget: Sendable, Hashable {
    /// Which mapper (and which node record) produced the target.
    public enum Origin: Sendable, Hashable {
        /// A node of the subscription slot `key` (the slot actually used, after dotsplit or the
        /// fallback key); it holds a reference until released.
        case subscription(key: RouteKey)
        /// A static (`-to`) node; it holds a reference until released.
        case staticNode
        /// The n-th (0-based) `-fallback` address; no node record.
        case fallback(index: Int)
        /// Base, pattern, cache or code mapper; no node record, no health tracking.
        case computed
    }

    /// The node address (`host:port`, a UNIX path, or `@abstract`).
    public var address: String
    /// modifier1 to send to the node (nil: the router's default).
    public var modifier1: UInt8?
    /// modifier2 to send to the node (nil: the router's default).
    public var modifier2: UInt8?
    /// The node's announced protocol byte (`h` = plain HTTP), when known.
    public var proto: String?
    /// Which mapper produced the target.
    public var origin: Origin

    /// Creates a target.
    public init(address: String, modifier1: UInt8? = nil, modifier2: UInt8? = nil, proto: String? = nil, origin: Origin) {
        self.address = address
        self.modifier1 = modifier1
        self.modifier2 = modifier2
        self.proto = proto
        self.origin = origin
    }
}
