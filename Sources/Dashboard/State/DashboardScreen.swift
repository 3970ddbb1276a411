import FleetModel

/// One level of the screen stack: the fleet, a router, or a router's connections.
public enum DashboardScreen: Sendable, Hashable {
    /// All routers.
    case fleet
    /// One router's keys and nodes.
    case router(RouterID)
    /// One router's live sessions.
    case connections(RouterID)

    /// The kind of screen (what the keymap's `screens` refer to).
    public var kind: ScreenKind {
        switch self {
        case .fleet: return .fleet
        case .router: return .router
        case .connections: return .connections
        }
    }

    /// The router the screen shows, if it shows one.
    public var router: RouterID? {
        switch self {
        case .fleet: return nil
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
