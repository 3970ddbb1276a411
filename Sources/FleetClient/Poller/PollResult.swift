import FleetModel
import RouterWire

/// One finished poll, as the poller emits it for `FleetSnapshot.record`.
public struct PollResult: Sendable {
    /// The router polled.
    public var router: RouterID
    /// Its document, or why there is none.
    public var result: Result<StatsDocument, PollError>
    /// How long the poll took.
    public var duration: Duration
    /// Failures in a row including this one (0 after a success).
    public var consecutiveFailures: Int
    /// For a failure: the wait before the next attempt (the backoff).
    public var retryIn: Duration?
    /// A watched router said its document has not changed (the document is the last one).
    public var unchanged = false

    /// Creates a result.
    public init(
        router: RouterID, result: Result<StatsDocument, PollError>, duration: Duration,
        consecutiveFailures: Int = 0, retryIn: Duration? = nil
    ) {
        self.router = router
        self.result = result
        self.duration = duration
        self.consecutiveFailures = consecutiveFailures
        self.retryIn = retryIn
    }

    /// Records this result into `snapshot` at `now`: an unchanged document through the cheap
    /// path, anything else as it is.
    public func record(into snapshot: inout FleetSnapshot, at now: FleetInstant) {
        if unchanged, case .success = result {
            snapshot.recordUnchanged(for: router, at: now)
        } else {
            snapshot.record(untypedResult, for: router, at: now)
        }
    }

    /// The result with an untyped error, the form `FleetSnapshot.record` takes.
    public var untypedResult: Result<StatsDocument, any Error> {
        result.mapError { $0 }
    }

    /// This watch result in place of `earlier`, gathered for the same router in the same tick:
    /// an unchanged line after a new document still records that document (the line carries it).
    func replacing(_ earlier: PollResult?) -> PollResult {
        guard let earlier, !earlier.unchanged, case .success = earlier.result else { return self }
        var merged = self
        if case .success = merged.result { merged.unchanged = false }
        return merged
    }
}
