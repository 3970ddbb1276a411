/// A router's identity within a fleet: its name, unique in the fleet file or derived from its
/// stats address.
public struct RouterID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The router's name.
    public var name: String

    /// Creates an identity from a router name.
    public init(_ name: String) {
        self.name = name
    }

    /// Creates an identity from a literal name (tests and canned fleets).
    public init(stringLiteral value: String) {
        self.name = value
    }

    /// The name.
    public var description: String { name }

    /// Orders by name.
    public static func < (lhs: RouterID, rhs: RouterID) -> Bool {
        lhs.name < rhs.name
    }
}
