/// The one mapper a router uses, chosen by uWSGI's precedence:
/// cache > pattern > subscription > base > code > static.
///
/// uWSGI's `use-socket` (a local socket index) sits between code and static; fleetrouter's
/// runtime expresses it as a static node, so it has no kind here.
public enum MapperKind: Sendable, Hashable {
    /// `--xxx-use-cache`.
    case cache
    /// `--xxx-use-pattern`.
    case pattern(String)
    /// The subscription table (plain, dotsplit, fallback key, mountpoints).
    case subscription
    /// `--xxx-use-base`.
    case base(String)
    /// The code resolver.
    case code
    /// Static `-to` nodes.
    case staticNodes
    /// Nothing configured: every lookup finds no node.
    case none

    /// The active mapper for a configuration.
    public static func active(for configuration: RoutingConfiguration) -> MapperKind {
        if configuration.useCache { return .cache }
        if let pattern = configuration.usePattern { return .pattern(pattern) }
        if configuration.subscriptionServer { return .subscription }
        if let base = configuration.useBase { return .base(base) }
        if configuration.codeResolver != nil { return .code }
        if !configuration.staticNodes.isEmpty { return .staticNodes }
        return .none
    }
}
