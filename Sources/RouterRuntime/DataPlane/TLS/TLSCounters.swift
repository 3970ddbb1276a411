import NIOConcurrencyHelpers
import Synchronization

/// One TLS listener's handshake outcomes, for stats, `/metrics` and logs: handshakes completed
/// and connections refused before completing one, by `TLSFailureReason`.
final class TLSCounters: Sendable {
    /// Handshakes completed (the machine behind was started or is waiting for bytes).
    let handshakes = Atomic<UInt64>(0)
    /// Refusals by reason (rare next to handshakes, so a lock is cheap enough).
    private let refusals = NIOLockedValueBox<[TLSFailureReason: UInt64]>([:])

    init() {}

    /// The refusals counted for `reason`.
    subscript(reason: TLSFailureReason) -> UInt64 {
        refusals.withLockedValue { $0[reason] ?? 0 }
    }

    /// Counts one refusal for `reason`.
    func count(_ reason: TLSFailureReason) {
        refusals.withLockedValue { $0[reason, default: 0] &+= 1 }
    }

    /// Counts one refusal by its kind (a stop is not the client's failure: not counted).
    func record(_ refusal: TLSAcceptStateMachine.Refusal) {
        if let reason = TLSFailureReason(refusal) { count(reason) }
    }

    /// Every reason with its count, in `TLSFailureReason.allCases` order.
    var byReason: [(reason: TLSFailureReason, count: UInt64)] {
        let counts = refusals.withLockedValue { $0 }
        return TLSFailureReason.allCases.map { ($0, counts[$0] ?? 0) }
    }

    /// Every refusal counted so far.
    var refused: UInt64 {
        byReason.reduce(0) { $0 &+ $1.count }
    }
}
