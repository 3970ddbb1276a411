import Logging
import NIOCore

/// What every router connection shares: the routing policy, the upstream connector, the
/// sessions table and the logger. One per router, handed to each connection's handler.
public final class DataPlane: Sendable {
    /// Chooses nodes (RouterCore's mappers and balancers at integration).
    public let policy: any RoutingPolicy
    /// Opens upstream connections.
    public let connector: any UpstreamConnector
    /// The router's recent sessions, for stats.
    public let sessions: SessionTable
    /// Where refusals, failures and timeouts are logged.
    public let logger: Logger

    /// The largest request (packet plus body) kept after sending it, so that a node closing
    /// before its first response byte can be retried on another one; bigger requests stream
    /// through unkept and are not retried (see `RoutingPolicy.connectFailed`).
    public static let replayLimit = 64 * 1024

    /// Bundles the router's shared parts.
    public init(policy: any RoutingPolicy, connector: any UpstreamConnector = NIOUpstreamConnector(), sessions: SessionTable, logger: Logger) {
        self.policy = policy
        self.connector = connector
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

/// Sent through every open connection's pipeline when its router stops: finish the current
/// request or relay, accept no new one.
public struct RouterStopEvent: Sendable {
    /// Creates the event.
    public init() {}
}

/// Sends whatever is queued to `context`'s channel, then closes it (or only its output).
func flushAndClose(_ context: ChannelHandlerContext, mode: CloseMode = .all) {
    let promise = context.eventLoop.makePromise(of: Void.self)
    // An empty write completes only after every write queued before it.
    context.writeAndFlush(NIOAny(ByteBuffer()), promise: promise)
    let channel = context.channel
    promise.futureResult.whenComplete { _ in channel.close(mode: mode, promise: nil) }
}
