import RouterCore
import Synchronization

/// A clock that only moves when told to; tests use it instead of sleeping.
@available(macOS 15.0, *)
public final class ManualClock: RouterClock {
    private let current: Mutex<RouterInstant>

    /// Creates a clock standing at `start` (default: a 2026 epoch second, like live uWSGI stats).
    public init(start: RouterInstant = RouterInstant(epochSeconds: 1_795_909_250)) {
        current = Mutex(start)
    }

    /// The instant the clock stands at.
    public func now() -> RouterInstant {
        current.withLock { $0 }
    }

    /// Moves the clock forward (or backward, for a negative duration).
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }

    /// Puts the clock at `instant`.
    public func set(_ instant: RouterInstant) {
        current.withLock { $0 = instant }
    }
}
