/// What the executor learnt from the routing policy, handed back to a connection machine:
/// the chosen node's modifiers (its lease stays with the executor) or the refusal.
enum ConnectionRoute: Equatable {
    /// Connect to the chosen node, whose uwsgi modifiers are these.
    case node(modifier1: UInt8, modifier2: UInt8)
    /// Nobody serves the request.
    case refused(RouteRefusal)
}

/// Why a machine asks for the next node.
enum RetryCause: Equatable {
    /// Connecting to the node failed.
    case connectFailed
    /// The node closed before its first response byte while the whole request is held
    /// (report `UpstreamClosedBeforeResponse` to the policy; abandon the upstream link).
    case closedBeforeResponse
}
