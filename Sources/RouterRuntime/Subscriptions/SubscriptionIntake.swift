import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterWire

/// The per-listener policy applied to each received datagram, whatever read it: refuse those
/// over uWSGI's 4096 bytes, hand the rest to the sink, count both, log refusals rate-limited.
final class SubscriptionIntake: Sendable {
    private let listener: String
    private let sink: any SubscriptionSink
    private let counters: SubscriptionCounters
    private let logger: Logger
    private let now: @Sendable () -> NIODeadline
    private let limiter: NIOLockedValueBox<LogRateLimiter>

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
        self.limiter = NIOLockedValueBox(limiter)
        self.now = now
    }

    /// Takes one datagram of `size` bytes (which may exceed what `bytes` holds when the
    /// reader truncated it).
    func take(_ bytes: ByteBuffer, size: Int, sender: SocketAddress?, credentials: PeerCredentials? = nil) {
        guard size <= SubscriptionServer.maximumDatagramSize else {
            counters.recordRejected(oversize: true)
            report(WireError.datagramTooLarge(size: size, limit: SubscriptionServer.maximumDatagramSize), from: sender)
            return
        }
        do {
            try sink.receive(SubscriptionDatagram(bytes: bytes, sender: sender, listener: listener, credentials: credentials))
            counters.recordAccepted()
        } catch let dropped as SubscriptionDropped {
            counters.recordRejected(oversize: false, dropped: dropped.reason)
            report(dropped, from: sender)
        } catch {
            counters.recordRejected(oversize: false)
            report(error, from: sender)
        }
    }

    /// Logs a listener-level read error (not counted as a datagram).
    func readFailed(_ error: any Error) {
        logger.debug("subscription listener read error", metadata: ["listener": "\(listener)", "error": "\(error)"])
    }

    private func report(_ error: any Error, from sender: SocketAddress?) {
        let decision = limiter.withLockedValue { $0.record(at: now()) }
        guard case .log(let suppressed) = decision else { return }
        var metadata: Logger.Metadata = [
            "listener": "\(listener)",
            "sender": "\(sender.map { "\($0)" } ?? "unbound unix socket")",
            "error": "\(error)",
        ]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("ignored bad subscription datagram", metadata: metadata)
    }
}
