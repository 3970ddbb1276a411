import NIOCore
import NIOEmbedded
import NIOPosix
import RouterConfig
import Testing
@testable import RouterRuntime

/// A connection handler behind a layer that never activates it (a TLS handshake that failed:
/// the TLS layer withholds `channelActive` and `channelInactive` from the machine behind) must
/// still be freed with its channel. ASan found each such connection leaking its handler,
/// machine and pipeline context through the handler ↔ context cycle.
@Suite("Connection handlers never activated are freed with their channel")
struct UnactivatedHandlerTests {
    /// Stands in for the TLS layer of a connection that never got ready: swallows the
    /// channel's activation and its end.
    final class NeverActivates: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        func channelActive(context: ChannelHandlerContext) {}
        func channelInactive(context: ChannelHandlerContext) {}
    }

    /// Adds `make()`'s handler behind `NeverActivates` on an embedded channel, activates and
    /// closes the channel, and returns a weak reference to the handler once the channel is gone.
    static func releasedHandler(_ make: () -> any ChannelHandler & AnyObject) throws -> Bool {
        weak var weakHandler: AnyObject?
        try {
            let channel = EmbeddedChannel()
            let handler = make()
            weakHandler = handler
            try channel.pipeline.syncOperations.addHandler(NeverActivates())
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            _ = try channel.finish(acceptAlreadyClosed: true)
            channel.embeddedEventLoop.run()
        }()
        return weakHandler == nil
    }

    static func plane(_ group: any EventLoopGroup) throws -> DataPlane {
        DataPlane(policy: StaticNodesPolicy(nodes: [try NodeEndpoint(resolving: "127.0.0.1:1")]),
                  sessions: SessionTable(group: group), logger: RouterHarness.quietLogger)
    }

    @Test("an HTTP router handler")
    func httpHandler() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let shared = HTTPListenerShared(options: HTTPRouterOptions(), plane: try Self.plane(group), serverPort: "443")
        #expect(try Self.releasedHandler { HTTPRouterHandler(shared: shared, worker: -1) })
    }

    @Test("a stream relay handler (the SSL router's)")
    func streamHandler() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let shared = StreamListenerShared(mode: .fast, options: StreamRouterOptions(), plane: try Self.plane(group))
        #expect(try Self.releasedHandler { StreamRelayHandler(shared: shared, worker: -1) })
    }
}
