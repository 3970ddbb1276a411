/// A wall-clock instant in seconds since the Unix epoch.
///
/// Wall-clock rather than monotonic because uWSGI's `last_check` is an epoch second, and a
/// node's announce age is the difference between the two.
public struct FleetInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Double

    /// Creates an instant.
    public init(secondsSinceEpoch: Double) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// The instant `seconds` later.
    public static func + (lhs: FleetInstant, seconds: Double) -> FleetInstant {
        FleetInstant(secondsSinceEpoch: lhs.secondsSinceEpoch + seconds)
    }

    /// Seconds from `rhs` to `lhs`.
    public static func - (lhs: FleetInstant, rhs: FleetInstant) -> Double {
        lhs.secondsSinceEpoch - rhs.secondsSinceEpoch
    }

    /// Orders by time.
    public static func < (lhs: FleetInstant, rhs: FleetInstant) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// Seconds since the epoch.
    public var description: String { "\(secondsSinceEpoch)" }
}
