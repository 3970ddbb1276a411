import RouterWire

/// One line of a fleetrouter's stats watch (`GET /v1/watch`): the router's current document.
public struct StatsWatchUpdate: Sendable {
    /// The document (for an unchanged line, the last one received).
    public var document: StatsDocument
    /// False when the router said the document had not changed (it is alive).
    public var changed: Bool

    /// Creates an update.
    public init(document: StatsDocument, changed: Bool) {
        self.document = document
        self.changed = changed
    }
}

/// Why a stats watch ended or could not start.
public enum WatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The router does not offer a watch (an older fleetrouter: 404 or 405), or the control
    /// cannot watch at all: poll it instead, and do not ask again.
    case unsupported(reason: String)
    /// The watch broke (connect, read, decode, deadline or the router ended it): poll, and
    /// try watching again later.
    case failed(reason: String)

    /// The reason, for logs and the dashboard.
    public var description: String {
        switch self {
        case let .unsupported(reason): return "watch unsupported: \(reason)"
        case let .failed(reason): return "watch failed: \(reason)"
        }
    }
}

/// Where and what to watch on a fleetrouter: its admin address and its name in its process.
public struct WatchTarget: Sendable, Hashable {
    /// The admin API address.
    public var admin: StatsAddress
    /// The router's `admin_router` name.
    public var router: String

    /// Creates a target.
    public init(admin: StatsAddress, router: String) {
        self.admin = admin
        self.router = router
    }

    /// The target for the router at `endpoint` whose latest stats are `document`, or nil when
    /// it cannot be watched: not a fleetrouter, no `admin_router` name (a fleetrouter that
    /// predates both), or no admin address that can be trusted to be this router's. An address
    /// learned from the document is used only on the stats address's own host, so a stats
    /// document cannot send fleettop's connections to a third party.
    public init?(endpoint: RouterEndpoint, document: StatsDocument) {
        guard RouterFlavor(document: document) == .fleetrouter,
              let name = document.adminRouter, !name.isEmpty else { return nil }
        if let admin = endpoint.admin {
            self.init(admin: admin, router: name)
            return
        }
        guard let text = document.admin, let learned = try? StatsAddress(parsing: text),
              Self.sameHost(learned, endpoint.stats) else { return nil }
        self.init(admin: learned, router: name)
    }

    /// True when `a` and `b` are on the same machine as far as fleettop can tell: the same IP
    /// host, or both local sockets (unix path or abstract name).
    static func sameHost(_ a: StatsAddress, _ b: StatsAddress) -> Bool {
        switch (a, b) {
        case let (.tcp(x, _), .tcp(y, _)), let (.tcp(x, _), .http(y, _, _)),
             let (.http(x, _, _), .tcp(y, _)), let (.http(x, _, _), .http(y, _, _)):
            return x == y
        case (.unix, .unix), (.unix, .abstract), (.abstract, .unix), (.abstract, .abstract):
            return true
        default:
            return false
        }
    }
}
