import NIOCore

/// Reads datagrams from one UDP subscription listener into its `SubscriptionIntake`.
final class SubscriptionDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let intake: SubscriptionIntake

    init(intake: SubscriptionIntake) {
        self.intake = intake
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // The receive buffer is larger than the limit, so a datagram longer than uWSGI's
        // 4096-byte buffer shows up as more than 4096 bytes instead of silently truncated.
        intake.take(envelope.data, size: envelope.data.readableBytes, sender: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error on a datagram socket (e.g. ICMP-induced) concerns one packet, not the
        // listener; keep serving.
        intake.readFailed(error)
    }
}
