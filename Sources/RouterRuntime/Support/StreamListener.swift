import SocketSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix

/// A bound stream (TCP or unix) listener shared by the stats and admin servers: the server
/// channel, the address it really got, the socket file to remove at shutdown, and the tracker
/// of its accepted connections.
public struct StreamListener: Sendable {
    /// The listener as configured.
    public let spec: SocketAddressSpec
    /// The address actually bound (port 0 resolved).
    public let boundAddress: SocketAddressSpec
    /// The unix socket file created for it, if any.
    public let socketFile: String?
    /// The accepted connections still open.
    public let connections: ConnectionTracker
    let channel: any Channel

    /// Binds `spec` on `group`; each accepted channel is tracked, then set up by `initializer`;
    /// with `limit`, a channel beyond it is closed at once and counted.
    /// A unix path first loses a stale socket file and, with `unixMode`, gets those bits.
    public static func bind(
        _ spec: SocketAddressSpec,
        group: any EventLoopGroup,
        unixMode: UInt32? = nil,
        limit: ConnectionLimit? = nil,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) async throws -> StreamListener {
        let tracker = ConnectionTracker()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                guard tracker.track(channel, limit: limit) else {
                    // Over the cap: refused at once, before any handler reads a byte.
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                return initializer(channel)
            }
        switch spec.kind {
        case .inet:
            let channel = try await bindOrExplain(spec) { try await bootstrap.bind(to: try spec.resolved()).get() }
            let bound = channel.localAddress.map(SocketAddressSpec.init(boundAddress:)) ?? spec
            return StreamListener(spec: spec, boundAddress: bound, socketFile: nil, connections: tracker, channel: channel)
        case .unixPath(let path):
            try UnixSocketFile.removeStale(at: path)
            let bind = { try await bindOrExplain(spec) { try await bootstrap.bind(to: try spec.resolved()).get() } }
            // With a mode, the file is born owner-only (0177 umask), never with the inherited
            // umask's looser bits, then gets exactly `unixMode`.
            let channel = unixMode == nil ? try await bind() : try await UnixSocketFile.withPrivateUmask(bind)
            if let unixMode {
                do { try UnixSocketFile.setMode(mode_t(unixMode), at: path) } catch {
                    try? await channel.close()
                    UnixSocketFile.remove(at: path)
                    throw error
                }
            }
            return StreamListener(spec: spec, boundAddress: spec, socketFile: path, connections: tracker, channel: channel)
        case .abstract(let name):
            let fd = try PosixSocket.boundAbstractSocket(
                name: name, configured: spec.configured, type: SocketPrimitives.streamType, backlog: 256)
            let channel = try await bindOrExplain(spec) { try await bootstrap.withBoundSocket(fd).get() }
            return StreamListener(spec: spec, boundAddress: spec, socketFile: nil, connections: tracker, channel: channel)
        }
    }

    /// Stops accepting, asks open connections to finish, waits up to `grace`, closes the rest
    /// and removes the socket file.
    public func shutdown(grace: TimeAmount) async {
        try? await channel.close()
        connections.quiesce()
        await connections.drain(grace: grace)
        if let socketFile { UnixSocketFile.remove(at: socketFile) }
    }
}
