/// Something the core changed that the runtime should log (and, for cheap mode, act on).
public enum RouterEvent: Sendable, Hashable {
    /// Why a node was death-marked.
    public enum FailureReason: Sendable, Hashable {
        /// An unsubscribe packet arrived.
        case unsubscribed
        /// Connecting to the node failed or timed out.
        case connectFailed
        /// No announce arrived within the tolerance (seconds).
        case expired(toleranceSeconds: Int64)
        /// The operator kicked the node.
        case kicked
        /// The table was cleared.
        case cleared
    }

    /// A slot (pool) was created for a key.
    case slotCreated(key: RouteKey, hash: UInt32)
    /// A node was appended to a slot.
    case nodeAdded(key: RouteKey, address: String)
    /// An announce refreshed an existing node (reviving it if it was death-marked).
    case nodeRefreshed(key: RouteKey, address: String, revived: Bool)
    /// A node was death-marked.
    case nodeMarkedFailed(key: RouteKey, address: String, reason: FailureReason)
    /// A dead node with no session in flight left the table.
    case nodeRemoved(key: RouteKey, address: String)
    /// A slot lost its last node and left the table.
    case slotRemoved(key: RouteKey)
    /// A drained node's last in-flight session finished (draining → drained); key nil = static.
    case nodeDrained(key: RouteKey?, address: String)
    /// A static node failed and is skipped until its gracetime passes.
    case staticNodeFailed(address: String)
    /// A static node's gracetime passed; it is tried again.
    case staticNodeRevived(address: String)
    /// The router entered cheap mode: listeners stop accepting.
    case cheapEntered
    /// The router left cheap mode: listeners accept again.
    case cheapLeft

    /// The log line uWSGI prints for the same change (where uWSGI has one), for `pid`.
    public func logLine(pid: Int) -> String {
        switch self {
        case .slotCreated(let key, let hash):
            return "[uwsgi-subscription for pid \(pid)] new pool: \(key) (hash key: \(hash))"
        case .nodeAdded(let key, let address):
            return "[uwsgi-subscription for pid \(pid)] \(key) => new node: \(address)"
        case .nodeRefreshed(let key, let address, let revived):
            return "[uwsgi-subscription for pid \(pid)] \(key) => refreshed node: \(address)" + (revived ? " (revived)" : "")
        case .nodeMarkedFailed(let key, let address, let reason):
            switch reason {
            case .expired(let seconds):
                return "[uwsgi-subscription for pid \(pid)] \(key) => marking \(address) as failed (no announce received in \(seconds) seconds)"
            case .kicked:
                return "[uwsgi-subscription for pid \(pid)] \(key) => marking \(address) as failed (kicked by operator)"
            case .cleared:
                return "[uwsgi-subscription for pid \(pid)] \(key) => marking \(address) as failed (table cleared)"
            case .unsubscribed, .connectFailed:
                return "[uwsgi-subscription for pid \(pid)] \(key) => marking \(address) as failed"
            }
        case .nodeRemoved(let key, let address):
            return "[uwsgi-subscription for pid \(pid)] \(key) => removed node: \(address)"
        case .slotRemoved(let key):
            return "[uwsgi-subscription for pid \(pid)] removed pool: \(key)"
        case .nodeDrained(let key, let address):
            if let key { return "\(key) => node \(address) drained (no session in flight)" }
            return "static node \(address) drained (no session in flight)"
        case .staticNodeFailed(let address):
            return "static node \(address) marked as failed (skipped until its gracetime passes)"
        case .staticNodeRevived(let address):
            return "static node \(address) gracetime passed, trying it again"
        case .cheapEntered:
            return "[uwsgi-subscription for pid \(pid)] no more nodes available. Going cheap..."
        case .cheapLeft:
            return "[uwsgi-subscription for pid \(pid)] leaving cheap mode..."
        }
    }
}
