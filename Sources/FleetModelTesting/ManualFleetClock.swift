import FleetModel
import Foundation

/// A clock that moves only when told to: tests advance it instead of sleeping.
public final class ManualFleetClock: FleetClock, @unchecked Sendable {
    // Guarded by `lock`; a reference type so a test and the code under test share one clock.
    private var current: FleetInstant
    private let lock = NSLock()

    /// Creates a clock standing at `start` (epoch seconds).
    public init(start: Double = 1_795_909_900) {
        self.current = FleetInstant(secondsSinceEpoch: start)
    }

    /// The instant the clock stands at.
    public func now() -> FleetInstant {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Moves the clock forward by `seconds` (negative values are ignored: time does not go back).
    public func advance(by seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        if seconds > 0 { current = current + seconds }
    }
}
