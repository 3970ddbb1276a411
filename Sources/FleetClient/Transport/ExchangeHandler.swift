import NIOConcurrencyHelpers
import NIOCore

/// One request/answer exchange on a fresh connection: writes the request (if any) as soon as
/// the connection is up, feeds every read to a `ResponseReadStateMachine`, and completes the
/// promise with the answer or the failure. The exchange's owner closes the channel.
final class ExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var reader: ResponseReadStateMachine
    private let request: ByteBuffer?
    private let promise: EventLoopPromise<ResponseReadStateMachine.Response>
    private let connected: NIOLockedValueBox<Bool>
    private var started = false
    private var finished = false

    init(
        reader: ResponseReadStateMachine, request: ByteBuffer?,
        promise: EventLoopPromise<ResponseReadStateMachine.Response>, connected: NIOLockedValueBox<Bool>
    ) {
        self.reader = reader
        self.request = request
        self.promise = promise
        self.connected = connected
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        connected.withLockedValue { $0 = true }
        // uWSGI's --stats-http server stalls its router until the request arrives: send now.
        if let request { context.writeAndFlush(wrapOutboundOut(request), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        do {
            if case let .complete(response) = try reader.received(unwrapInboundIn(data)) {
                finish(.success(response), context: context)
            }
        } catch {
            finish(.failure(ExchangeFailure.read(error)), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            do {
                finish(.success(try reader.closed()), context: context)
            } catch {
                finish(.failure(ExchangeFailure.read(error)), context: context)
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(ExchangeFailure.connection(reason: ExchangeFailure.describe(error))), context: context)
    }

    private func finish(_ result: Result<ResponseReadStateMachine.Response, any Error>, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result)
        context.close(promise: nil)
    }
}
