import NIOCore

/// One datagram as it arrived on a subscription listener.
public struct SubscriptionDatagram: Sendable {
    /// The datagram's bytes, at most `SubscriptionServer.maximumDatagramSize`.
    public var bytes: ByteBuffer
    /// The sender's address (`nil` for an unbound unix datagram sender), made when asked for.
    public var sender: SocketAddress? {
        get { origin.socketAddress }
        set { origin = DatagramSender(newValue) }
    }
    /// The sender as read.
    var origin: DatagramSender
    /// The listener it arrived on, as configured (e.g. `127.0.0.1:7000`).
    public var listener: String
    /// The sender's process credentials, on a unix listener with `--subscriptions-use-credentials`.
    public var credentials: PeerCredentials?

    /// Creates a datagram value.
    public init(bytes: ByteBuffer, sender: SocketAddress?, listener: String, credentials: PeerCredentials? = nil) {
        self.init(bytes: bytes, origin: DatagramSender(sender), listener: listener, credentials: credentials)
    }

    /// Creates a datagram value from its sender as read.
    init(bytes: ByteBuffer, origin: DatagramSender, listener: String, credentials: PeerCredentials?) {
        self.bytes = bytes
        self.origin = origin
        self.listener = listener
        self.credentials = credentials
    }
}

/// Where the subscription server hands every received datagram of acceptable size.
///
/// The integrator's implementation decodes with RouterWire and applies the packet to
/// RouterCore's subscription table, e.g.
/// `let packet = try SubscriptionPacket(decoding: datagram.bytes)` then
/// `table.apply(packet, now: clock.now)`. Throwing (a `WireError`, ideally) marks the datagram
/// rejected: the server counts and logs it (rate-limited) and keeps serving.
///
/// Called on the subscription listener's reader thread, one batch at a time per listener (at
/// most 64 datagrams of one `recvmmsg(2)`, whose coalesced reads may make several batches);
/// it must not block (hand slow work elsewhere).
public protocol SubscriptionSink: Sendable {
    /// Takes one datagram; throws if it is not a valid subscription packet.
    func receive(_ datagram: SubscriptionDatagram) throws

    /// Takes a batch of datagrams (see above), in order, and returns one outcome per datagram, in the
    /// same order: what `receive(_:)` would have returned or thrown for each. The default takes
    /// them one by one; a sink that locks shared state can take the lock once per batch.
    func receive(batch: [SubscriptionDatagram]) -> [Result<Void, any Error>]
}

extension SubscriptionSink {
    /// Takes each datagram with `receive(_:)`.
    public func receive(batch: [SubscriptionDatagram]) -> [Result<Void, any Error>] {
        batch.map { datagram in Result { try receive(datagram) } }
    }
}
