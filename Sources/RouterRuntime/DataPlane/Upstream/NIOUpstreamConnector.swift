import NIOCore
import NIOPosix

/// `UpstreamConnector` on NIO channels: one `ClientBootstrap` connection per upstream, with no
/// channel options at all (each costs a syscall and ~6–11k instructions per request) and the
/// first bytes written from the handler's `channelActive`.
public struct NIOUpstreamConnector: UpstreamConnector {
    /// Creates the connector.
    public init() {}

    /// Opens a NIO channel to `endpoint` on `eventLoop`; see `UpstreamConnector`.
    public func connect(
        to endpoint: NodeEndpoint,
        on eventLoop: any EventLoop,
        firstBytes: ByteBuffer,
        options: UpstreamOptions,
        delegate: any UpstreamDelegate
    ) {
        let handler = NIOLoopBound(UpstreamHandler(firstBytes: firstBytes, delegate: delegate), eventLoop: eventLoop)
        // ClientBootstrap sets TCP_NODELAY on every channel by default: a setsockopt and ~6.5k
        // instructions per request. Turning MPTCP on removes that default option and turning
        // it off again keeps it removed (NIO re-adds nothing). Nagle cannot delay the packet
        // (it is the connection's first write); uWSGI does not set TCP_NODELAY upstream either.
        var bootstrap = ClientBootstrap(group: eventLoop).enableMPTCP(true).enableMPTCP(false)
            .connectTimeout(options.connectTimeout)
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
