import NIOCore
import NIOPosix

/// One client exchange of the demo's traffic: connect, send the request, read until the peer
/// closes, all within a time limit. Failures only mean fewer bytes; the demo never reports them.
enum DemoExchange {
    /// Sends `request` to `host:port` and returns the bytes that came back before close. The
    /// connection joins `channels` (when given), so the demo's stop closes it.
    @discardableResult
    static func run(
        host: String, port: Int, request: ByteBuffer, timeout: TimeAmount, group: any EventLoopGroup,
        channels: DemoChannels? = nil
    ) async -> ByteBuffer {
        await connect(host: host, port: port, connectTimeout: timeout, limit: timeout, group: group, channels: channels,
                      nothing: ByteBuffer()) { done in CollectHandler(request: request, done: done) }
    }

    /// Connects to `host:port` with the handler `makeHandler` builds around the result promise,
    /// and returns what the handler reports (`nothing` when the connect fails). A peer that
    /// never closes is cut off after `limit`, and the handler then reports what it got; a
    /// cancelled caller (the demo stopping) closes the connection rather than waiting. The
    /// connection joins `channels` (when given), so the demo's stop closes it.
    static func connect<Result: Sendable, Handler: ChannelHandler>(
        host: String, port: Int, connectTimeout: TimeAmount, limit: TimeAmount, group: any EventLoopGroup,
        channels: DemoChannels?, nothing: Result,
        makeHandler: @escaping @Sendable (EventLoopPromise<Result>) -> Handler
    ) async -> Result {
        // Once the demo stops, nothing new starts; an exchange in flight is counted until it
        // ends, so the demo's loops shut down only after it (see `DemoChannels`).
        if let channels {
            guard channels.begin() else { return nothing }
        }
        defer { channels?.end() }
        let loop = group.next()
        let done = loop.makePromise(of: Result.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                // The exchange ends when its channel closes, whatever its handler heard: the
                // handler's own result comes first (the close future completes after the
                // handlers saw the channel go), and a promise takes only its first result.
                // In full AddressSanitizer runs, exchanges begun as a demo stopped connected and
                // then never ended (their handler never reported; the cause is not pinned down).
                channel.closeFuture.whenComplete { _ in done.succeed(nothing) }
                channels?.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler(done))
                }
            }
        // An address literal (every demo address is one) connects without a resolver, whose
        // lookups complete on threads of their own.
        let connect: EventLoopFuture<any Channel>
        if let address = try? SocketAddress(ipAddress: host, port: port) {
            connect = bootstrap.connect(to: address)
        } else {
            connect = bootstrap.connect(host: host, port: port)
        }
        connect.whenFailure { _ in done.succeed(nothing) }
        connect.whenSuccess { channel in
            let cutOff = loop.scheduleTask(in: limit) { channel.close(promise: nil) }
            done.futureResult.whenComplete { _ in cutOff.cancel() }
        }
        return await withTaskCancellationHandler {
            (try? await done.futureResult.get()) ?? nothing
        } onCancel: {
            connect.whenSuccess { $0.close(promise: nil) }
        }
    }
}

/// Writes the request when connected, collects the reply, reports it at close.
private final class CollectHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let done: EventLoopPromise<ByteBuffer>
    private var received = ByteBuffer()

    init(request: ByteBuffer, done: EventLoopPromise<ByteBuffer>) {
        self.request = request
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(received)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
