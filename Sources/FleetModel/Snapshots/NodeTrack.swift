import RouterWire

/// What the fleet model remembers about one node across polls of its router.
public struct NodeTrack: Sendable, Hashable {
    /// New in the latest poll, or established.
    public internal(set) var presence: Presence
    /// Its requests per second, one sample per successful poll that had a rate: history number
    /// `history` of the entry's `nodeHistories` (read with `RouterEntry.history(of:)`).
    let history: Int

    init(presence: Presence, history: Int) {
        self.presence = presence
        self.history = history
    }
}

/// A node missing from its router's latest polls, kept for a few polls so the UI can show it
/// leaving rather than silently vanishing.
public struct GoneNode: Sendable, Hashable {
    /// The node's last values, as a subscribed or a static node.
    public enum LastSeen: Sendable, Hashable {
        /// A subscription node.
        case subscribed(StatsDocument.Node)
        /// A static node.
        case staticNode(StatsDocument.StaticNode)
    }

    /// Which node.
    public var id: NodeID
    /// Its values in the last poll that had it.
    public var lastSeen: LastSeen
    /// Successful polls since it was last seen (1 on the first poll without it).
    public var polls: Int

    /// Creates a gone-node record.
    public init(id: NodeID, lastSeen: LastSeen, polls: Int) {
        self.id = id
        self.lastSeen = lastSeen
        self.polls = polls
    }
}
