import Foundation

/// The source of "now" for the fleet model; injected so tests drive time by hand.
public protocol FleetClock: Sendable {
    /// The current instant.
    func now() -> FleetInstant
}

/// The real wall clock.
public struct SystemFleetClock: FleetClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public func now() -> FleetInstant {
        FleetInstant(secondsSinceEpoch: Date().timeIntervalSince1970)
    }
}
