#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The source of "now" for the router core; injected so tests drive time by hand.
public protocol RouterClock: Sendable {
    /// The current wall-clock instant.
    func now() -> RouterInstant
}

/// The real wall clock (`CLOCK_REALTIME`), for the runtime.
public struct SystemRouterClock: RouterClock {
    /// Creates the system clock.
    public init() {}

    /// Reads `CLOCK_REALTIME`.
    public func now() -> RouterInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return RouterInstant(nanosecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}
