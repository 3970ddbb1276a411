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

    func recordRejected(oversize: Bool) {
        box.withLockedValue {
            $0.received += 1
            $0.rejected += 1
            if oversize { $0.oversize += 1 }
        }
    }
}
