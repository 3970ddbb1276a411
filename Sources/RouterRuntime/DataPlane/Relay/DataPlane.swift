import Logging
import NIOCore

/// What every router connection shares, whatever its transport: the routing policy, the
/// sessions table and the logger. One per router, handed to each connection.
public final class DataPlane: Sendable {
    /// Chooses nodes (RouterCore's mappers and balancers at integration).
    public let policy: any RoutingPolicy
    /// The router's recent sessions, for stats.
    public let sessions: SessionTable
    /// Where refusals, failures and timeouts are logged.
    public let logger: Logger

    /// The largest request (packet plus body) kept after sending it, so that a node closing
    /// before its first response byte can be retried on another one; bigger requests stream
    /// through unkept and are not retried (see `RoutingPolicy.connectFailed`).
    public static let replayLimit = 64 * 1024

    /// Bundles the router's shared parts.
    public init(policy: any RoutingPolicy, sessions: SessionTable, logger: Logger) {
        self.policy = policy
        self.sessions = sessions
        self.logger = logger
    }
}

extension DataPlane {
    /// RFC 9110 §9.2.2's idempotent methods: only these are sent again after a node took the
    /// request and died without answering, because the node may have acted on it already.
    static func isIdempotent(_ method: some Collection<UInt8>) -> Bool {
        for candidate in ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] where method.elementsEqual(candidate.utf8) {
            return true
        }
        return false
    }
}

extension DataPlane {
    /// Gives back the node lease of a route decision nobody will use (its client left, or its
    /// loop stopped before the decision could reach it).
    func discard(_ decision: RouteDecision) {
        if case .node(let target) = decision { policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0) }
    }

    /// Waits for `pending` and hands its decision to `routed` through `execute` (the
    /// connection's loop); a decision `execute` refuses (the loop stopped) is discarded.
    func deliver(
        _ pending: PendingRoute, through execute: @escaping @Sendable (@escaping @Sendable () -> Void) -> Bool,
        to routed: @escaping @Sendable (RouteDecision) -> Void
    ) {
        pending.whenDecided { [self] decision in
            if !execute({ routed(decision) }) { discard(decision) }
        }
    }
}
