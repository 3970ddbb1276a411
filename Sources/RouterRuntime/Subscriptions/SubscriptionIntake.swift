import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterWire

/// The per-listener policy applied to each batch of received datagrams, whatever read it:
/// refuse those over uWSGI's 4096 bytes, hand the rest to the sink, count both, log refusals
/// rate-limited.
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

    /// Takes a batch of at most `SubscriptionReceiver.batchSize` datagrams (one read's, or part
    /// of one): those over uWSGI's 4096 bytes (`size` is each one's real length, which may
    /// exceed what its bytes hold) are refused here, the rest go to the
    /// sink as one batch; the counts are recorded once for the whole batch.
    func take(_ batch: some Collection<ReceivedDatagram>) {
        var tally = SubscriptionCounters.Snapshot()
        var passed: [SubscriptionDatagram] = []
        passed.reserveCapacity(batch.count)
        for received in batch {
            guard received.size <= SubscriptionServer.maximumDatagramSize else {
                tally.countRejected(oversize: true)
                report(WireError.datagramTooLarge(size: received.size, limit: SubscriptionServer.maximumDatagramSize), from: received.sender)
                continue
            }
            passed.append(SubscriptionDatagram(
                bytes: received.bytes, origin: received.sender, listener: listener, credentials: received.credentials))
        }
        if !passed.isEmpty {
            for (datagram, outcome) in zip(passed, sink.receive(batch: passed)) {
                switch outcome {
                case .success:
                    tally.countAccepted()
                case .failure(let dropped as SubscriptionDropped):
                    tally.countRejected(dropped: dropped.reason)
                    report(dropped, from: datagram.origin)
                case .failure(let error):
                    tally.countRejected()
                    report(error, from: datagram.origin)
                }
            }
        }
        counters.add(tally)
    }

    /// Counts `count` datagrams the kernel dropped at the listener's full socket queue.
    func queueOverflowed(_ count: Int) {
        var tally = SubscriptionCounters.Snapshot()
        tally.overflowed = count
        counters.add(tally)
    }

    /// Logs that the reader could not leave the normal scheduling class (it then competes with
    /// the serving loops for the core).
    func backgroundRefused(_ reason: String) {
        logger.notice("subscription reader stays in the normal scheduling class", metadata: ["listener": "\(listener)", "error": "\(reason)"])
    }

    /// Logs a listener-level read error (not counted as a datagram).
    func readFailed(_ error: any Error) {
        logger.debug("subscription listener read error", metadata: ["listener": "\(listener)", "error": "\(error)"])
    }

    private func report(_ error: any Error, from sender: DatagramSender) {
        let decision = limiter.withLockedValue { $0.record(at: now()) }
        guard case .log(let suppressed) = decision else { return }
        var metadata: Logger.Metadata = [
            "listener": "\(listener)",
            "sender": "\(sender.socketAddress.map { "\($0)" } ?? "unbound unix socket")",
            "error": "\(error)",
        ]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("ignored bad subscription datagram", metadata: metadata)
    }
}
