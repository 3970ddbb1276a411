import NIOConcurrencyHelpers

/// Counters of a subscription server, readable at any time for `/metrics` and stats.
public final class SubscriptionCounters: Sendable {
    /// A consistent copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        /// Datagrams read from any listener.
        public var received: Int = 0
        /// Datagrams the sink took without throwing.
        public var accepted: Int = 0
        /// Datagrams refused: over the size limit, or the sink threw.
        public var rejected: Int = 0
        /// Of `rejected`, those over the size limit.
        public var oversize: Int = 0
        /// Of `rejected`, those dropped by the trust checks or the table's limits, per reason.
        public var dropped: [SubscriptionDropReason: Int] = [:]
        /// Datagrams the kernel dropped because a listener's socket queue was full (the reader
        /// had fallen behind); never read, so not in `received`. A coalesced run dropped whole
        /// counts once (the kernel counts it so), so under a flood of runs this is a lower bound.
        public var overflowed: Int = 0

        /// Adds `other`'s counts to these.
        public mutating func add(_ other: Snapshot) {
            received += other.received
            accepted += other.accepted
            rejected += other.rejected
            oversize += other.oversize
            overflowed += other.overflowed
            dropped.merge(other.dropped, uniquingKeysWith: +)
        }
    }

    private let box = NIOLockedValueBox(Snapshot())

    /// Creates zeroed counters.
    public init() {}

    /// The current values.
    public var snapshot: Snapshot { box.withLockedValue { $0 } }

    /// Adds one batch's counts (taken together, so a reader never sees half a batch).
    func add(_ batch: Snapshot) {
        box.withLockedValue { $0.add(batch) }
    }
}

extension SubscriptionCounters.Snapshot {
    /// Counts one datagram the sink took.
    mutating func countAccepted() {
        received += 1
        accepted += 1
    }

    /// Counts one refused datagram: over the size limit, or dropped for `reason`.
    mutating func countRejected(oversize: Bool = false, dropped reason: SubscriptionDropReason? = nil) {
        received += 1
        rejected += 1
        if oversize { self.oversize += 1 }
        if let reason { dropped[reason, default: 0] += 1 }
    }
}
