/// A point in wall-clock time as nanoseconds since the Unix epoch.
///
/// Epoch-based (not monotonic) because uWSGI prints `last_check` and `grace` as epoch seconds and
/// the stats document must print them the same way. Integer nanoseconds keep comparisons exact.
public struct RouterInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    /// Creates an instant from nanoseconds since the epoch.
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// Creates an instant from whole seconds since the epoch.
    public init(epochSeconds: Int64) {
        self.nanosecondsSinceEpoch = epochSeconds &* 1_000_000_000
    }

    /// The epoch itself.
    public static let epoch = RouterInstant(nanosecondsSinceEpoch: 0)

    /// Whole seconds since the epoch, floored and clamped at 0, as uWSGI prints times.
    public var epochSeconds: UInt64 {
        nanosecondsSinceEpoch <= 0 ? 0 : UInt64(nanosecondsSinceEpoch / 1_000_000_000)
    }

    /// The instant `duration` later.
    public static func + (lhs: RouterInstant, rhs: Duration) -> RouterInstant {
        RouterInstant(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch &+ rhs.nanoseconds)
    }

    /// The time elapsed from `rhs` to `lhs`.
    public static func - (lhs: RouterInstant, rhs: RouterInstant) -> Duration {
        .nanoseconds(lhs.nanosecondsSinceEpoch &- rhs.nanosecondsSinceEpoch)
    }

    /// Orders instants by time.
    public static func < (lhs: RouterInstant, rhs: RouterInstant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// Seconds since the epoch with the fraction, for logs.
    public var description: String {
        let whole = nanosecondsSinceEpoch / 1_000_000_000
        let fraction = abs(nanosecondsSinceEpoch % 1_000_000_000)
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 9 - digits.count) + digits
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating); durations here are seconds to days.
    var nanoseconds: Int64 {
        let parts = components
        let (scaled, overflow) = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return parts.seconds < 0 ? .min : .max }
        return scaled &+ parts.attoseconds / 1_000_000_000
    }
}
