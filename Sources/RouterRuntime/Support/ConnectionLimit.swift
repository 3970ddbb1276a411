import RouterConfig
import Synchronization

/// A listener's connection cap (HAProxy's `maxconn`) and the count of clients refused over
/// it. The listener checks the cap under the lock it already takes to register a connection,
/// so the data plane pays nothing extra per accept.
public final class ConnectionLimit: Sendable {
    /// Default cap of each data-plane listener (`--xxx-max-connections`).
    public static let defaultDataPlane = ConnectionDefaults.dataPlane
    /// Default cap of each stats server (`--stats-max-connections`).
    public static let defaultStats = ConnectionDefaults.stats
    /// Default cap of the admin API (`--admin-max-connections`).
    public static let defaultAdmin = ConnectionDefaults.admin

    /// Connections open at once; one more is closed at accept.
    public let maximum: Int
    private let refusedCount = Atomic<UInt64>(0)

    /// A limit of `maximum` (at least 1) open connections.
    public init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Clients closed at accept because `maximum` were open.
    public var refused: UInt64 { refusedCount.load(ordering: .relaxed) }

    /// Counts one client refused over the cap.
    func recordRefused() {
        refusedCount.add(1, ordering: .relaxed)
    }
}
