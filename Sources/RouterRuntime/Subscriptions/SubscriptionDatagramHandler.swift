import Logging
import NIOCore
import RouterWire

/// Reads datagrams from one subscription listener: refuses those over the 4096 bytes a uWSGI
/// router reads, hands the rest to the sink, counts both and logs refusals (rate-limited).
final class SubscriptionDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let listener: String
    private let sink: any SubscriptionSink
    private let counters: SubscriptionCounters
    private let logger: Logger
    private let now: @Sendable () -> NIODeadline
    private var limiter: LogRateLimiter

    init(
        listener: String,
        sink: any SubscriptionSink,
        counters: SubscriptionCounters,
        logger: Logger,
        limiter: LogRateLimiter,
        now: @escaping @Sendable () -> NIODeadline
    ) {
        self.listener = listener
        self.sink = sink
        self.counters = counters
        self.logger = logger
        self.limiter = limiter
        self.now = now
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let size = envelope.data.readableBytes
        // The receive buffer is larger than the limit, so a datagram longer than uWSGI's
        // 4096-byte buffer shows up here as more than 4096 bytes instead of silently truncated.
        guard size <= SubscriptionServer.maximumDatagramSize else {
            counters.recordRejected(oversize: true)
            report(WireError.datagramTooLarge(size: size, limit: SubscriptionServer.maximumDatagramSize), from: envelope.remoteAddress)
            return
        }
        let datagram = SubscriptionDatagram(bytes: envelope.data, sender: envelope.remoteAddress, listener: listener)
        do {
            try sink.receive(datagram)
            counters.recordAccepted()
        } catch {
            counters.recordRejected(oversize: false)
            report(error, from: envelope.remoteAddress)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error on a datagram socket (e.g. ICMP-induced) concerns one packet, not the
        // listener; keep serving.
        logger.debug("subscription listener read error", metadata: ["listener": "\(listener)", "error": "\(error)"])
    }

    private func report(_ error: any Error, from sender: SocketAddress) {
        guard case .log(let suppressed) = limiter.record(at: now()) else { return }
        var metadata: Logger.Metadata = [
            "listener": "\(listener)",
            "sender": "\(sender)",
            "error": "\(error)",
        ]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("ignored bad subscription datagram", metadata: metadata)
    }
}
