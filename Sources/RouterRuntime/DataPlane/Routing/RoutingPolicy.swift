import NIOCore

/// The data plane's one question to the router core: which node serves this key, and what now
/// that a connect failed. Implemented by the integrator on top of RouterCore; called on the
/// client connection's event loop, so implementations must be cheap and must not block.
public protocol RoutingPolicy: Sendable {
    /// Chooses a node for a new request (HTTP, fast) or connection (raw).
    ///
    /// `key` is the routing key's raw bytes (the Host header verbatim, the fastrouter key, or
    /// the raw listener's name); it may be empty when the request carried none, in which case
    /// a policy with `fallback-on-no-key` may still route it.
    func route(key: ByteBuffer, clientAddress: SocketAddress?) -> RouteDecision

    /// Chooses a node for a new request, called on the transport's worker `worker` (its index
    /// in `DataPlaneTransport.workers`), so a policy can keep per-worker state that no other
    /// worker touches. `connectFailed`, `connected` and `finished` for the lease it returns
    /// are called on the same worker. The default ignores the worker.
    func route(key: ByteBuffer, clientAddress: SocketAddress?, worker: Int) -> RouteDecision

    /// Reports that connecting to the leased node failed (refused, timed out, reset before the
    /// connection was established) and asks for the next attempt: another node, a fallback,
    /// or `.refused(.retriesExhausted)`. The failed lease is released by this call.
    ///
    /// Also called after `connected` when the node closed or reset the connection before
    /// sending one response byte while the data plane still holds the whole request of an
    /// idempotent method (no body, or one of at most `replayLimit` bytes, sent completely):
    /// the request is sent again.
    /// uWSGI never retries after connect; doing so here is what lets a SIGKILLed node cost no
    /// client a request — it produced no response, so the client has seen nothing.
    func connectFailed(_ lease: RouteLease, error: any Error) -> RouteDecision

    /// Reports that the leased node accepted the connection; from here on only a close before
    /// any response byte (see `connectFailed`) leads to a retry.
    func connected(_ lease: RouteLease)

    /// Releases a lease after its upstream connection closed, with the bytes relayed each way.
    func finished(_ lease: RouteLease, bytesFromNode: UInt64, bytesToNode: UInt64)
}

extension RoutingPolicy {
    /// A policy without per-worker state routes the same on every worker.
    public func route(key: ByteBuffer, clientAddress: SocketAddress?, worker: Int) -> RouteDecision {
        route(key: key, clientAddress: clientAddress)
    }
}

/// What the policy answered for one routing attempt.
public enum RouteDecision: Sendable {
    /// Connect to this node.
    case node(UpstreamTarget)
    /// Serve nobody: the reason decides the client's answer (503 or 502 over HTTP, a close
    /// elsewhere) and the log line.
    case refused(RouteRefusal)
    /// The answer comes later (a code forwarder is resolving the key off the data plane): the
    /// executor waits on its own loop, without blocking it, for `PendingRoute.whenDecided`.
    /// Only the first decision of a request can be pending; `connectFailed` always answers now.
    case pending(PendingRoute)
}

/// A node chosen for one attempt: where to connect, which modifiers to put in the uwsgi header
/// and the lease the policy wants back in `connectFailed` / `connected` / `finished`.
public struct UpstreamTarget: Sendable {
    /// The node's address, resolved once when the node became known.
    public var endpoint: NodeEndpoint
    /// The uwsgi header's modifier1 for this node (0 for static nodes).
    public var modifier1: UInt8
    /// The uwsgi header's modifier2 for this node (0 for static nodes).
    public var modifier2: UInt8
    /// The policy's own token for this attempt; opaque to the data plane.
    public var lease: RouteLease

    /// Creates a target.
    public init(endpoint: NodeEndpoint, modifier1: UInt8 = 0, modifier2: UInt8 = 0, lease: RouteLease) {
        self.endpoint = endpoint
        self.modifier1 = modifier1
        self.modifier2 = modifier2
        self.lease = lease
    }
}

/// An opaque token a policy hands out with each routing attempt (for example a node slot and
/// an attempt counter packed into 64 bits), so the data plane keeps no policy state itself.
public struct RouteLease: Sendable, Hashable {
    /// The policy-defined value.
    public var rawValue: UInt64

    /// Wraps a policy-defined value.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

/// Why no node serves a request.
public enum RouteRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The request carried no usable key.
    case noKey
    /// No node is registered (or selectable) for the key.
    case noNode
    /// The router is in cheap mode (no node at all).
    case cheap
    /// Every permitted attempt failed to connect.
    case retriesExhausted
    /// The code forwarder could not resolve the key: it failed, timed out, was too busy or
    /// answered something that is not a node address (502 over HTTP, a close elsewhere).
    case resolverFailed

    /// The words used in logs.
    public var description: String {
        switch self {
        case .noKey: "no key"
        case .noNode: "no node for key"
        case .cheap: "router is cheap (no nodes)"
        case .retriesExhausted: "retries exhausted"
        case .resolverFailed: "code resolver failed"
        }
    }
}
