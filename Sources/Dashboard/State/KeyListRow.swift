import FleetModel

/// One line of the Router screen's key list: a subscription key, or the router's static nodes.
public struct KeyListRow: Sendable, Hashable {
    /// The subscription key; nil for the static (`--xxx-to`) nodes.
    public var key: String?
    /// Cumulative lookups (nil for static nodes).
    public var hits: UInt64?
    /// Lookups per second.
    public var hitsPerSecond: Double?
    /// Nodes listed under the key.
    public var nodeCount: Int
    /// Nodes that are ready.
    public var readyCount: Int

    /// The key as shown: the key, or `(static nodes)`.
    public var title: String { key ?? "(static nodes)" }
}
