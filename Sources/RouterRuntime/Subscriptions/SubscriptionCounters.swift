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

        /// Adds `other`'s counts to these.
        public mutating func add(_ other: Snapshot) {
            received += other.received
            accepted += other.accepted
            rejected += other.rejected
            oversize += other.oversize
            dropped.merge(other.dropped, uniquingKeysWith: +)
        }
    }

    private let box = NIOLockedValueBox(Snapshot())

    /// Creates zeroed counters.
    public init() {}

    /// The current values.
    public var snapshot: Snapshot { box.withLockedValue { $0 } }

    func recordAccepted() {
        box.withLockedValue {
            $0.received += 1
            $0.accepted += 1
        }
    }

    func recordRejected(oversize: Bool, dropped reason: SubscriptionDropReason? = nil) {
        box.withLockedValue {
            $0.received += 1
            $0.rejected += 1
            if oversize { $0.oversize += 1 }
            if let reason { $0.dropped[reason, default: 0] += 1 }
        }
    }
}
