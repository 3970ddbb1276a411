import NIOCore

/// Decides whether a repetitive log line (a bad datagram, a refused connection) may be
/// written now: at most `burst` lines per `interval`, counting what it suppressed so the next
/// permitted line can say how many were dropped. Time is passed in, so tests need no clock.
public struct LogRateLimiter: Sendable {
    /// What the caller should do with one event.
    public enum Decision: Sendable, Equatable {
        /// Log it; `suppressedBefore` lines were dropped since the last logged one.
        case log(suppressedBefore: Int)
        /// Drop it (counted).
        case suppress
    }

    /// Lines allowed per window.
    public let burst: Int
    /// Window length.
    public let interval: TimeAmount
    private var windowStart: NIODeadline?
    private var loggedInWindow = 0
    private var suppressed = 0

    /// Creates a limiter allowing `burst` lines per `interval` (defaults: 10 per 10 s).
    public init(burst: Int = 10, interval: TimeAmount = .seconds(10)) {
        self.burst = max(1, burst)
        self.interval = interval
    }

    /// Records one event at `now` and says whether to log it.
    public mutating func record(at now: NIODeadline) -> Decision {
        if let start = windowStart, now - start < interval {
            guard loggedInWindow < burst else {
                suppressed += 1
                return .suppress
            }
        } else {
            windowStart = now
            loggedInWindow = 0
        }
        loggedInWindow += 1
        defer { suppressed = 0 }
        return .log(suppressedBefore: suppressed)
    }
}
