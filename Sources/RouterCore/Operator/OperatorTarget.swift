/// Which node an operator edit addresses: a subscription node (key + address) or, with no
/// key, a static node and, address-wide, that address under every key.
public struct OperatorTarget: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The subscription key; nil addresses the static node and the address under every key.
    public var key: String?
    /// The node address.
    public var address: String

    /// Creates a target.
    public init(key: String?, address: String) {
        self.key = key
        self.address = address
    }

    /// Orders targets by key (address-wide first), then address, for stable state files.
    public static func < (lhs: OperatorTarget, rhs: OperatorTarget) -> Bool {
        switch (lhs.key, rhs.key) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (let l?, let r?) where !l.utf8.elementsEqual(r.utf8):
            return l.utf8.lexicographicallyPrecedes(r.utf8)
        default:
            return lhs.address.utf8.lexicographicallyPrecedes(rhs.address.utf8)
        }
    }

    /// `key => address`, or `address` for an address-wide target.
    public var description: String {
        key.map { "\($0) => \(address)" } ?? address
    }
}

/// What the operator set for one target.
public struct NodeOverride: Sendable, Hashable, Codable {
    /// No new sessions while true; in-flight sessions finish.
    public var drain: Bool
    /// Weight replacing the announced one (nil: use the announced weight).
    public var weight: UInt64?

    /// Creates an override.
    public init(drain: Bool = false, weight: UInt64? = nil) {
        self.drain = drain
        self.weight = weight
    }

    /// True when the override changes nothing (and can be forgotten).
    public var isEmpty: Bool { !drain && weight == nil }

    /// No override.
    public static let none = NodeOverride()
}
