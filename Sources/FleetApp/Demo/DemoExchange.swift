import NIOCore
import NIOPosix

/// One client exchange of the demo's traffic: connect, send the request, read until the peer
/// closes, all within a time limit. Failures only mean fewer bytes; the demo never reports them.
enum DemoExchange {
    /// Sends `request` to `host:port` and returns how many bytes came back before close.
    static func run(
        host: String, port: Int, request: ByteBuffer, timeout: TimeAmount, group: any EventLoopGroup
    ) async -> Int {
        let loop = group.next()
        let done = loop.makePromise(of: Int.self)
        let connect = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectHandler(request: request, done: done))
                }
            }
            .connect(host: host, port: port)
        connect.whenFailure { _ in done.succeed(0) }
        connect.whenSuccess { channel in
            // A peer that never closes is cut off; the handler then reports what it got.
            let limit = loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            done.futureResult.whenComplete { _ in limit.cancel() }
        }
        return (try? await done.futureResult.get()) ?? 0
    }
}

/// Writes the request when connected, counts the reply, reports the count at close.
private final class CollectHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let done: EventLoopPromise<Int>
    private var received = 0

    init(request: ByteBuffer, done: EventLoopPromise<Int>) {
        self.request = request
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(received)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
