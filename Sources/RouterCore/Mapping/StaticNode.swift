import RouterWire

/// One static (`--xxx-to`) node: its counters, grace state and the operator's mirror.
public struct StaticNode: Sendable, Hashable {
    /// The configured address.
    public let address: String
    /// Successful connects (uWSGI's `hits`).
    public internal(set) var hits: UInt64 = 0
    /// When the node last failed; nil while alive. Skipped until `gracetime` has passed.
    public internal(set) var grace: RouterInstant?
    /// Sessions holding the node (Fleettop: makes draining → drained visible).
    public internal(set) var ref: UInt64 = 0
    /// Bytes read from the node.
    public internal(set) var tx: UInt64 = 0
    /// Bytes written to the node.
    public internal(set) var rx: UInt64 = 0
    /// Operator drain, mirrored from `OperatorState`.
    public internal(set) var drain: Bool = false
    /// Operator weight override, mirrored from `OperatorState`.
    public internal(set) var operatorWeight: UInt64?
    /// Smooth-WRR credit, used only when some static node has an operator weight.
    var wrrCurrent: Int64 = 0

    /// Creates a node.
    init(address: String) {
        self.address = address
    }

    /// The state the operator sees (a node in grace is shown as dead).
    public var state: StatsDocument.NodeState {
        if grace != nil { return .dead }
        if drain { return ref > 0 ? .draining : .drained }
        return .ready
    }
}

extension StaticNode: BalancedNode {
    var isSelectable: Bool { grace == nil && !drain }
    var balanceWeight: UInt64 { operatorWeight ?? 1 }
    var inFlight: UInt64 { ref }
    var recentRequests: UInt64 { hits }
    var backupLevel: UInt64 { 0 }
}
