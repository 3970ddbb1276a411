import FleetModel

/// One level of the screen stack: the fleet, a router, a router's connections, the fleet-wide
/// keys, or one key across the fleet.
public enum DashboardScreen: Sendable, Hashable {
    /// All routers.
    case fleet
    /// Every subscription key of the fleet, aggregated over the routers serving it.
    case keys
    /// One subscription key: the routers serving it and each node's state on each.
    case key(String)
    /// One router's keys and nodes.
    case router(RouterID)
    /// One router's live sessions.
    case connections(RouterID)

    /// The kind of screen (what the keymap's `screens` refer to).
    public var kind: ScreenKind {
        switch self {
        case .fleet: return .fleet
        case .keys: return .keys
        case .key: return .key
        case .router: return .router
        case .connections: return .connections
        }
    }

    /// The router the screen shows, if it shows one.
    public var router: RouterID? {
        switch self {
        case .fleet, .keys, .key: return nil
        case let .router(id), let .connections(id): return id
        }
    }
}

/// Which list of the Router screen has the selection.
public enum RouterPane: Sendable, Hashable {
    /// The subscription keys (and static nodes).
    case keys
    /// The nodes of the selected key.
    case nodes
}
