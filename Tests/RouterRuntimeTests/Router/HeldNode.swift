import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A node that reads a request and answers only when the test calls `release()`, so a
/// session can be held in flight across a shutdown.
final class HeldNode: Sendable {
    let channel: any Channel
    let port: Int
    /// Yields once per connection whose first bytes arrived.
    let arrivals: AsyncStream<Void>
    private let held: NIOLockedValueBox<[any Channel]>

    private init(channel: any Channel, arrivals: AsyncStream<Void>, held: NIOLockedValueBox<[any Channel]>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.arrivals = arrivals
        self.held = held
    }

    static func start(group: any EventLoopGroup) async throws -> HeldNode {
        let (arrivals, continuation) = AsyncStream.makeStream(of: Void.self)
        let held = NIOLockedValueBox<[any Channel]>([])
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ArrivalHandler {
                        held.withLockedValue { $0.append(child) }
                        continuation.yield()
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return HeldNode(channel: channel, arrivals: arrivals, held: held)
    }

    /// Answers every held request with `200 ok` and closes it.
    func release() {
        let channels = held.withLockedValue { $0 }
        for channel in channels {
            channel.writeAndFlush(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Calls `arrived` on a connection's first read.
private final class ArrivalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var seen = false
    private let arrived: () -> Void

    init(arrived: @escaping () -> Void) {
        self.arrived = arrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !seen else { return }
        seen = true
        arrived()
    }
}
