/// Why a fleetrouter process cannot start: a router or listener the runtime does not run, or
/// a file it needs. Each names the option or file and what was expected.
public enum FleetRouterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A router kind, listener form or option that fleetrouter does not run yet.
    case unsupported(option: String, reason: String)
    /// A router whose options RouterCore refuses (e.g. a malformed static node).
    case invalidRouter(router: String, reason: String)
    /// The state file exists but cannot be used.
    case stateFile(reason: String)

    /// A one-line message for the operator.
    public var description: String {
        switch self {
        case .unsupported(let option, let reason): "not supported by fleetrouter: \(option): \(reason)"
        case .invalidRouter(let router, let reason): "router \(router): \(reason)"
        case .stateFile(let reason): reason
        }
    }
}

/// The version fleetrouter reports (`--version`, the stats document's `version`).
public enum FleetRouterVersion {
    /// The version string.
    public static let current = "0.1.0"
}
