/// Everything `fleettop snapshot` needs, as parsed from its command line.
public struct SnapshotConfiguration: Sendable, Hashable {
    /// The routers to poll (at least one).
    public var routers: RouterSelection
    /// `--json`: print the stats documents keyed by router instead of tables.
    public var json: Bool
    /// `--timeout`: seconds to wait for each router.
    public var timeout: Double

    /// Creates a configuration.
    public init(routers: RouterSelection, json: Bool = false, timeout: Double = SnapshotConfiguration.defaultTimeout) {
        self.routers = routers
        self.json = json
        self.timeout = timeout
    }

    /// The default per-router timeout, in seconds.
    public static let defaultTimeout: Double = 3
}
