import FleetModel

/// Everything `fleettop ctl` needs: one router and one edit.
public struct CtlConfiguration: Sendable, Hashable {
    /// `--stats ADDR`: the router's stats server (also where its admin address is learnt).
    public var stats: StatsAddress
    /// `--admin ADDR`; nil means the `admin` key of the router's stats.
    public var admin: StatsAddress?
    /// `--token-file FILE`.
    public var tokenFile: String?
    /// `--subscription-server ADDR`: where a uWSGI router takes subscription packets.
    public var subscriptionServer: StatsAddress?
    /// The edit to apply.
    public var edit: FleetEdit
    /// `--timeout`: seconds to wait for the router.
    public var timeout: Double

    /// Creates a configuration.
    public init(stats: StatsAddress, admin: StatsAddress? = nil, tokenFile: String? = nil,
                subscriptionServer: StatsAddress? = nil, edit: FleetEdit,
                timeout: Double = SnapshotConfiguration.defaultTimeout) {
        self.stats = stats
        self.admin = admin
        self.tokenFile = tokenFile
        self.subscriptionServer = subscriptionServer
        self.edit = edit
        self.timeout = timeout
    }

    /// The router as an endpoint (named after its stats address).
    public var endpoint: RouterEndpoint {
        RouterEndpoint(
            name: stats.derivedName, stats: stats, admin: admin, tokenFile: tokenFile,
            subscriptionServer: subscriptionServer)
    }
}
