/// How long to wait before retrying a router that keeps failing: doubling from `initial`,
/// capped at `maximum`, never sooner than the normal poll interval.
public struct BackoffPolicy: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    /// Creates a policy (1 s doubling to 30 s by default).
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        self.initial = max(initial, .zero)
        self.maximum = max(maximum, self.initial)
    }

    /// The wait after `failures` consecutive failures (1 → `initial`), at least `interval`.
    public func delay(afterFailures failures: Int, interval: Duration) -> Duration {
        guard failures > 0 else { return interval }
        var wait = initial
        // Doubling stops at the cap, so a router failing for days cannot overflow the value.
        for _ in 1..<min(failures, 64) where wait < maximum {
            wait = wait * 2
        }
        return max(min(wait, maximum), interval)
    }
}
