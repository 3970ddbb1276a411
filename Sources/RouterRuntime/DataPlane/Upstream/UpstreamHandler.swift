import NIOCore

/// The NIO side of one upstream connection: writes the first bytes on `channelActive`, hands
/// the node's bytes to the delegate untouched, and lets the delegate pause reads.
final class UpstreamHandler: ChannelDuplexHandler, UpstreamLink {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case connecting, active, closed }

    private var state = State.connecting
    private var firstBytes: ByteBuffer?
    private var delegate: (any UpstreamDelegate)?
    private var context: ChannelHandlerContext?
    private var readGate = ReadGate()

    init(firstBytes: ByteBuffer, delegate: any UpstreamDelegate) {
        self.firstBytes = firstBytes
        self.delegate = delegate
    }

    /// The connect future failed: the channel never became active.
    func connectFailed(_ error: any Error) {
        guard state == .connecting else { return }
        state = .closed
        let delegate = self.delegate
        self.delegate = nil
        self.context = nil
        delegate?.upstreamConnectFailed(error)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        state = .active
        if let bytes = firstBytes, bytes.readableBytes > 0 {
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
        firstBytes = nil
        // Flushed only after the delegate knows it is connected: a node that died after
        // accepting fails the flush and closes the channel at once, and `upstreamClosed`
        // arriving before `upstreamConnected` would skip the retry of the unanswered request.
        delegate?.upstreamConnected(self)
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard state == .active else { return }
        state = .closed
        let delegate = self.delegate
        self.delegate = nil
        self.context = nil
        delegate?.upstreamClosed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        delegate?.upstreamRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            delegate?.upstreamInputClosed()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(context.channel.isWritable)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Any error after connect ends the session; uWSGI never retries a connected peer.
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    // MARK: UpstreamLink

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func setReading(_ enabled: Bool) {
        if enabled { readGate.open(context) } else { readGate.close() }
    }

    func shutdownOutput() {
        guard let context else { return }
        flushAndClose(context, mode: .output)
    }

    func finish(within limit: TimeAmount) {
        guard let context else { return }
        let channel = context.channel
        let bound = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in bound.cancel() }
        flushAndClose(context)
    }

    func close() {
        context?.close(promise: nil)
    }

    func abandon() {
        delegate = nil
        context?.close(promise: nil)
    }
}
