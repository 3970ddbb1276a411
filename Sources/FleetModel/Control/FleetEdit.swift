import RouterWire

/// An operator edit on one router (or, for `drainEverywhere`, on the whole fleet).
public enum FleetEdit: Sendable, Hashable, CustomStringConvertible {
    /// Stop new sessions to the node; in-flight sessions finish.
    case drain(NodeRef)
    /// Undo a drain.
    case undrain(NodeRef)
    /// Remove the node (uWSGI: unsubscribe packet; it returns at its next announce).
    case kick(NodeRef)
    /// Set an operator weight (≥ 1) overriding the announced one.
    case setWeight(NodeRef, UInt64)
    /// Drop the operator weight; the announced one applies again.
    case clearWeight(NodeRef)
    /// Set the router's cheap mode.
    case setCheap(StatsDocument.CheapMode)
    /// Drain this node address on every router of the fleet that has it; expand with
    /// `FleetEdit.expandDrainEverywhere` before sending.
    case drainEverywhere(address: String)
    /// Add a static (`-to`) node to the router (fleetrouter only).
    case addStatic(address: String)
    /// Remove a static node from the router (fleetrouter only).
    case removeStatic(address: String)
    /// Close one forkpty session, named by its child's pid (fleetrouter only).
    case kickSession(pid: UInt64)

    /// The node the edit targets, when it targets one.
    public var node: NodeRef? {
        switch self {
        case let .drain(node), let .undrain(node), let .kick(node), let .setWeight(node, _), let .clearWeight(node):
            return node
        case .setCheap, .drainEverywhere, .addStatic, .removeStatic, .kickSession:
            return nil
        }
    }

    /// Why the edit is malformed (weight 0, empty address), or nil when it is well formed.
    public var validationError: String? {
        if let node, node.address.trimmingWhitespace().isEmpty { return "empty node address" }
        if case let .setWeight(_, value) = self, value == 0 { return "weight must be at least 1" }
        if case let .kickSession(pid) = self, pid == 0 { return "no session pid" }
        switch self {
        case let .drainEverywhere(address), let .addStatic(address), let .removeStatic(address):
            if address.trimmingWhitespace().isEmpty { return "empty node address" }
        default:
            break
        }
        return nil
    }

    /// A short phrase for the action log and confirmations.
    public var description: String {
        switch self {
        case let .drain(node): return "drain \(node)"
        case let .undrain(node): return "undrain \(node)"
        case let .kick(node): return "kick \(node)"
        case let .setWeight(node, value): return "weight \(node) = \(value)"
        case let .clearWeight(node): return "clear weight \(node)"
        case let .setCheap(mode): return "cheap \(mode.rawValue)"
        case let .drainEverywhere(address): return "drain \(address) on every router"
        case let .addStatic(address): return "add static node \(address)"
        case let .removeStatic(address): return "remove static node \(address)"
        case let .kickSession(pid): return "kick session \(pid)"
        }
    }
}
