/// One router of the fleet as configured: how to reach its stats server and, for edits, its
/// admin API or subscription server.
public struct RouterEndpoint: Sendable, Hashable, Identifiable {
    /// The router's identity (its unique name).
    public var id: RouterID
    /// Stats server address.
    public var stats: StatsAddress
    /// Admin API address (fleetrouter); when nil, the `admin` key of the router's stats is used.
    public var admin: StatsAddress?
    /// File holding the admin bearer token (the router's own, else the fleet file's default).
    public var tokenFile: String?
    /// Real uWSGI routers only: where to send subscription packets (kick, temporary weight).
    public var subscriptionServer: StatsAddress?
    /// Free-form labels, matched by the filter.
    public var tags: [String]

    /// The router's display name.
    public var name: String { id.name }

    /// Creates an endpoint.
    public init(
        name: String, stats: StatsAddress, admin: StatsAddress? = nil, tokenFile: String? = nil,
        subscriptionServer: StatsAddress? = nil, tags: [String] = []
    ) {
        self.id = RouterID(name)
        self.stats = stats
        self.admin = admin
        self.tokenFile = tokenFile
        self.subscriptionServer = subscriptionServer
        self.tags = tags
    }

    /// Endpoints for routers given only by address (`--stats ADDR`…), named after their
    /// addresses; a repeated name gets a `#2`, `#3`… suffix so identities stay unique.
    public static func fromAddresses(_ addresses: [StatsAddress], tokenFile: String? = nil) -> [RouterEndpoint] {
        var seen: [String: Int] = [:]
        return addresses.map { address in
            let base = address.derivedName
            let count = (seen[base] ?? 0) + 1
            seen[base] = count
            let name = count == 1 ? base : "\(base)#\(count)"
            return RouterEndpoint(name: name, stats: address, tokenFile: tokenFile)
        }
    }
}
