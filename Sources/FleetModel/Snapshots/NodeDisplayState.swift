import RouterWire

/// A node's state as the dashboard shows it, derived from whichever keys the router emits.
public enum NodeDisplayState: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Selectable.
    case ready
    /// Drained by the operator, sessions still in flight (`ref` > 0).
    case draining
    /// Drained by the operator, nothing in flight.
    case drained
    /// Death-marked (failure, unsubscribe or expiry); waiting for removal while `ref` > 0.
    case dead
    /// A real uWSGI node not announced within the subscription tolerance: uWSGI will
    /// death-mark it at the next lookup for its key, but has not yet (expiry is lazy).
    case expired

    /// The word shown in tables.
    public var label: String {
        self == .expired ? "expired?" : rawValue
    }

    /// Display order: ready first, then the states that need attention.
    public static func < (lhs: NodeDisplayState, rhs: NodeDisplayState) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// The state of a subscription node.
    ///
    /// Fleettop's `state` key wins when present, then its `drain` flag (with `ref` telling
    /// draining from drained). Otherwise uWSGI's keys: `death_mark` 1 is dead; a live node on a
    /// real uWSGI router whose `last_check` is older than `tolerance` is expired?. uWSGI has no
    /// drain, so a uWSGI node is never draining.
    public static func of(
        _ node: StatsDocument.Node, flavor: RouterFlavor, now: FleetInstant, tolerance: Double
    ) -> NodeDisplayState {
        if let state = node.operatorFields.state { return NodeDisplayState(state) }
        if node.operatorFields.drain == 1 { return node.ref > 0 ? .draining : .drained }
        if node.deathMark != 0 { return .dead }
        if flavor == .uwsgi, now.secondsSinceEpoch - Double(node.lastCheck) > tolerance { return .expired }
        return .ready
    }

    /// Whether time alone can change what `of` says for the node (ready ↔ expired?): a live
    /// node on a real uWSGI router with neither Fleettop's `state` nor its `drain`.
    public static func followsTime(_ node: StatsDocument.Node, flavor: RouterFlavor) -> Bool {
        node.operatorFields.state == nil && node.operatorFields.drain != 1 && node.deathMark == 0 && flavor == .uwsgi
    }

    /// The state of a static node: Fleettop's keys when present, else `grace` > 0 means dead.
    public static func of(_ node: StatsDocument.StaticNode) -> NodeDisplayState {
        if let state = node.operatorFields.state { return NodeDisplayState(state) }
        if node.operatorFields.drain == 1 { return .drained }
        return node.grace > 0 ? .dead : .ready
    }

    /// Maps Fleettop's wire state.
    public init(_ state: StatsDocument.NodeState) {
        switch state {
        case .ready: self = .ready
        case .draining: self = .draining
        case .drained: self = .drained
        case .dead: self = .dead
        }
    }
}
