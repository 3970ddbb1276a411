/// The node an edit targets: its address, and its subscription key when it has one (nil for
/// static nodes, or to mean "this address under every key" where the router allows it).
public struct NodeRef: Sendable, Hashable, CustomStringConvertible {
    /// The subscription key, or nil.
    public var key: String?
    /// The node address as the stats show it (`name`).
    public var address: String

    /// Creates a node reference.
    public init(key: String? = nil, address: String) {
        self.key = key
        self.address = address
    }

    /// The reference for a node identity.
    public init(_ id: NodeID) {
        self.init(key: id.key, address: id.name)
    }

    /// `address` or `address (key)`.
    public var description: String {
        key.map { "\(address) (\($0))" } ?? address
    }
}
