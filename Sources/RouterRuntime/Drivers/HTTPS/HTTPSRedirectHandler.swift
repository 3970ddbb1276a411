import NIOCore

/// One `--http-to-https` client on NIO: carries out its `HTTPSRedirectStateMachine` (arm the
/// headers deadline, answer and close).
final class HTTPSRedirectHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var machine: HTTPSRedirectStateMachine
    private var timer: Scheduled<Void>?

    init(configuration: HTTPSRedirectStateMachine.Configuration) {
        self.machine = HTTPSRedirectStateMachine(configuration: configuration)
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.start(now: .now()), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.clientRead(unwrapInboundIn(data)), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RouterStopEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func perform(_ action: HTTPSRedirectStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .armTimer(let deadline):
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
                guard let self else { return }
                self.perform(self.machine.deadlineFired(), context: context)
            }
        case .answer(let bytes):
            timer?.cancel()
            context.write(NIOAny(bytes), promise: nil)
            flushAndClose(context)
        }
    }
}
