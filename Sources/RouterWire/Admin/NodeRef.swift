/// Names one node for an admin edit: a subscription node by key and address, or a static
/// (`-to`) node by address alone.
public struct NodeRef: Sendable, Hashable, Codable {
    /// The subscription key, or nil for a static node.
    public var key: String?
    /// The node address exactly as the stats document names it.
    public var node: String

    /// Creates a reference; pass no key for a static node.
    public init(key: String? = nil, node: String) {
        self.key = key
        self.node = node
    }
}
