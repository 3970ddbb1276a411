import NIOCore

/// The admin API's two deadlines, first in each connection's pipeline so it sees raw bytes:
/// an idle limit while no request is in progress, and one deadline for a whole request (its
/// first byte, the rest of the head, the body and the answer). Neither is extended by reads,
/// so a client trickling one byte at a time cannot hold a connection open.
final class AdminDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long each phase may last.
    struct Timeouts: Sendable {
        /// No request in progress.
        var idle: TimeAmount
        /// From a request's first byte to the end of its answer.
        var request: TimeAmount
    }

    /// Sent outbound by the HTTP handler when an answer has been written in full.
    struct ResponseSent: Sendable {}

    private enum Phase { case idle, request }

    private let timeouts: Timeouts
    private var phase = Phase.idle
    private var timer: Scheduled<Void>?

    init(timeouts: Timeouts) {
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(timeouts.idle, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { arm(timeouts.idle, context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .idle {
            phase = .request
            arm(timeouts.request, context: context)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is ResponseSent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        phase = .idle
        arm(timeouts.idle, context: context)
        promise?.succeed(())
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            // Whatever the phase, the peer had its time: close without an answer.
            channel.close(promise: nil)
        }
    }
}
