import NIOCore
import NIOPosix

/// `UpstreamConnector` on NIO channels: one `ClientBootstrap` connection per upstream, with no
/// channel options at all (each costs a syscall and ~6–11k instructions per request) and the
/// first bytes written from the handler's `channelActive`. It connects on the client
/// connection's own loop.
public struct NIOUpstreamConnector: UpstreamConnector, Sendable {
    /// The loop of the client connections it serves.
    public let eventLoop: any EventLoop

    /// A connector for client connections on `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Opens a NIO channel to `endpoint` on the connector's loop; see `UpstreamConnector`.
    public func connect(
        to endpoint: NodeEndpoint,
        firstBytes: ByteBuffer,
        options: UpstreamOptions,
        delegate: any UpstreamDelegate
    ) {
        let handler = NIOLoopBound(UpstreamHandler(firstBytes: firstBytes, delegate: delegate), eventLoop: eventLoop)
        // NIO's default TCP_NODELAY stays (one setsockopt, ~6.5k instructions per request):
        // without it Nagle can hold the tail of a streamed request body until the node's
        // delayed ACK, and the only way to drop the default leans on an NIO side effect.
        var bootstrap = ClientBootstrap(group: eventLoop).connectTimeout(options.connectTimeout)
        if options.allowHalfClosure {
            bootstrap = bootstrap.channelOption(.allowRemoteHalfClosure, value: true)
        }
        bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .connect(to: endpoint.socketAddress)
            .whenFailure { error in handler.value.connectFailed(error) }
    }
}
