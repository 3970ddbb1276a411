/// A node's identity inside one router across polls: its subscription key (nil for static
/// nodes) and its address.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The subscription key, or nil for a static (`--xxx-to`) node.
    public var key: String?
    /// The node address (`name` in the stats).
    public var name: String

    /// Creates a node identity.
    public init(key: String?, name: String) {
        self.key = key
        self.name = name
    }

    /// Hashes the address only: within a router an address is nearly always under one key, and
    /// the longer key strings would double the cost of every lookup when a poll is recorded.
    /// Equal identities still hash equally; the rare same address under two keys is told apart
    /// by `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
    }

    /// `key → name`, or the bare name for a static node.
    public var description: String {
        key.map { "\($0) → \(name)" } ?? name
    }

    /// Orders by key (static nodes first), then name.
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        switch (lhs.key, rhs.key) {
        case (nil, nil): break
        case (nil, _): return true
        case (_, nil): return false
        case let (left?, right?): if left != right { return left < right }
        }
        return lhs.name < rhs.name
    }
}
