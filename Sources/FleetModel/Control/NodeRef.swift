import RouterWire

// The node an edit targets is RouterWire's `NodeRef` (the admin API's type), so the dashboard,
// the client and the router share one definition.
extension NodeRef: CustomStringConvertible {
    /// Creates a reference from a node address and its key (nil for static nodes, or to mean
    /// "this address under every key" where the router allows it).
    public init(key: String? = nil, address: String) {
        self.init(key: key, node: address)
    }

    /// The reference for a node identity.
    public init(_ id: NodeID) {
        self.init(key: id.key, node: id.name)
    }

    /// The node address as the stats show it (`name`).
    public var address: String {
        get { node }
        set { node = newValue }
    }

    /// `address` or `address (key)`.
    public var description: String {
        key.map { "\(node) (\($0))" } ?? node
    }
}
