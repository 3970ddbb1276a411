import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

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
        methodFacts(method).isIdempotent
    }

    /// Whether `method` is `HEAD` (its response has no body) and whether it is idempotent, in
    /// one comparison of its bytes (case-sensitive, as methods are).
    static func methodFacts(_ method: some Collection<UInt8>) -> (isHEAD: Bool, isIdempotent: Bool) {
        let known = method.withContiguousStorageIfAvailable(IdempotentMethod.init)
            ?? Array(method).withUnsafeBufferPointer(IdempotentMethod.init)
        return (known == .head, known != nil)
    }

    /// The idempotent methods, told apart by length first (so `baseAddress` is read only for
    /// three bytes or more, never nil).
    private enum IdempotentMethod {
        case get, head, options, trace, put, delete

        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            func named(_ name: StaticString) -> Bool {
                name.utf8CodeUnitCount == bytes.count && memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0
            }
            switch bytes.count {
            case 3 where named("GET"): self = .get
            case 3 where named("PUT"): self = .put
            case 4 where named("HEAD"): self = .head
            case 5 where named("TRACE"): self = .trace
            case 6 where named("DELETE"): self = .delete
            case 7 where named("OPTIONS"): self = .options
            default: return nil
            }
        }
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
