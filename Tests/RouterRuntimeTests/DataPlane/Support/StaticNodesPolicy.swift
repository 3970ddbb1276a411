import NIOCore
import RouterRuntime
import Synchronization

/// A minimal `RoutingPolicy` over a fixed list of nodes (uWSGI's `--xxx-to`): round-robin,
/// a node that failed to connect is skipped for `gracetime`, at most `maxRetries` retries.
/// Every key routes to the same list: the data-plane tests' policy, without RouterCore.
final class StaticNodesPolicy: RoutingPolicy {
    private let nodes: [NodeEndpoint]
    private let maxRetries: Int
    private let gracetime: TimeAmount
    private let cursor = Atomic<Int>(0)
    /// How many nodes carry a failure mark, so the healthy case skips the lock and the clock.
    private let failedCount = Atomic<Int>(0)
    /// When each node last failed (uptime nanoseconds, 0 = healthy); touched only on failures
    /// and read per request, so a lock-free snapshot would buy little.
    private let failedAt: Mutex<[Int64]>

    /// Creates the policy; `nodes` are tried in order, round-robin.
    init(nodes: [NodeEndpoint], maxRetries: Int = 3, gracetime: TimeAmount = .seconds(30)) {
        self.nodes = nodes
        self.maxRetries = maxRetries
        self.gracetime = gracetime
        self.failedAt = Mutex(Array(repeating: 0, count: nodes.count))
    }

    /// Picks the next healthy node, or `.noNode` when there is none.
    func route(key: ByteBuffer, clientAddress: SocketAddress?) -> RouteDecision {
        pick(attempt: 0)
    }

    /// Marks the node failed and picks another while retries remain.
    func connectFailed(_ lease: RouteLease, error: any Error) -> RouteDecision {
        let index = Int(lease.rawValue & 0xFFFF_FFFF)
        let attempt = Int(lease.rawValue >> 32)
        let now = NIODeadline.now().uptimeNanoseconds
        failedAt.withLock {
            if $0[index] == 0 { failedCount.add(1, ordering: .relaxed) }
            $0[index] = Int64(truncatingIfNeeded: now)
        }
        guard attempt < maxRetries else { return .refused(.retriesExhausted) }
        switch pick(attempt: attempt + 1) {
        case .refused: return .refused(.retriesExhausted)
        case let decision: return decision
        }
    }

    /// Clears the node's failure mark.
    func connected(_ lease: RouteLease) {
        guard failedCount.load(ordering: .relaxed) > 0 else { return }
        let index = Int(lease.rawValue & 0xFFFF_FFFF)
        failedAt.withLock {
            if $0[index] != 0 { failedCount.subtract(1, ordering: .relaxed) }
            $0[index] = 0
        }
    }

    /// Nothing to release for static nodes.
    func finished(_ lease: RouteLease, bytesFromNode: UInt64, bytesToNode: UInt64) {}

    private func pick(attempt: Int) -> RouteDecision {
        guard !nodes.isEmpty else { return .refused(.noNode) }
        let start = cursor.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        if failedCount.load(ordering: .relaxed) == 0 {
            let index = start % nodes.count
            return .node(UpstreamTarget(endpoint: nodes[index], lease: RouteLease(rawValue: UInt64(attempt) << 32 | UInt64(index))))
        }
        let failures = failedAt.withLock { $0 }
        let now = Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds)
        for offset in 0..<nodes.count {
            let index = (start &+ offset) % nodes.count
            let failed = failures[index]
            if failed == 0 || now - failed >= gracetime.nanoseconds {
                let lease = RouteLease(rawValue: UInt64(attempt) << 32 | UInt64(index))
                return .node(UpstreamTarget(endpoint: nodes[index], lease: lease))
            }
        }
        return .refused(.noNode)
    }
}
