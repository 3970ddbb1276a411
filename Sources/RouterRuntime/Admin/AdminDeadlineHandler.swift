import NIOCore

/// The admin API's deadlines, first in each connection's pipeline so it sees raw bytes: an idle
/// limit while no request is in progress, one deadline for receiving a whole request (its first
/// byte, the rest of the head and the body), and one for the server's own work on it (handling
/// it and writing the answer). None is extended by reads, so a client trickling one byte at a
/// time cannot hold a connection open; and how long the server takes to answer a request that
/// arrived in time (a loaded machine) does not cost the client its answer.
final class AdminDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long each phase may last.
    struct Timeouts: Sendable {
        /// No request in progress.
        var idle: TimeAmount
        /// From a request's first byte to the end of its body.
        var request: TimeAmount
        /// From the end of a request to the end of its answer.
        var processing: TimeAmount
    }

    /// Sent outbound by the HTTP handler when a request has arrived in full and is handled.
    struct RequestReceived: Sendable {}

    /// Sent outbound by the HTTP handler when an answer has been written in full.
    struct ResponseSent: Sendable {}

    /// Sent outbound by the HTTP handler when it starts a streamed answer (`GET /v1/watch`):
    /// the connection lives as long as the stream, whose own stall limit bounds it.
    struct Streaming: Sendable {}

    /// Fired inbound, after the server's `ChannelShouldQuiesceEvent`, while a streamed answer
    /// is written: NIO's HTTP pipelining handler holds the quiesce until the answer ends, which
    /// a stream never does by itself, so the HTTP handler learns of it this way and ends it.
    struct EndStream: Sendable {}

    private enum Phase { case idle, request, processing, streaming }

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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if event is ChannelShouldQuiesceEvent, phase == .streaming {
            context.fireUserInboundEventTriggered(EndStream())
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestReceived:
            phase = .processing
            arm(timeouts.processing, context: context)
        case is ResponseSent:
            phase = .idle
            arm(timeouts.idle, context: context)
        case is Streaming:
            phase = .streaming
            timer?.cancel()
            timer = nil
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
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
