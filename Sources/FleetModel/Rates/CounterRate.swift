/// Per-second rate of a cumulative counter between two polls, with resets handled.
///
/// uWSGI counters only grow while the object that holds them lives; they restart at 0 when a
/// node is removed and re-created, or when the router process restarts.
/// So a counter that went *down* is read as a reset: it restarted at 0 somewhere inside the
/// interval, and its new value is what accumulated since, giving `current / seconds`. That is
/// a lower bound (the part counted before the reset is lost) but never negative and never the
/// huge wrap-around a naive unsigned difference would give. A counter with no previous value
/// (a node first seen in this poll) started from 0 after the previous poll and is read the
/// same way.
public enum CounterRate {
    /// The rate of a counter that moved from `previous` (nil = did not exist) to `current`
    /// over `seconds`; nil when `seconds` is not positive.
    public static func perSecond(previous: UInt64?, current: UInt64, seconds: Double) -> Double? {
        guard seconds > 0, seconds.isFinite else { return nil }
        let delta: UInt64
        if let previous, current >= previous {
            delta = current - previous
        } else {
            delta = current
        }
        return Double(delta) / seconds
    }
}
