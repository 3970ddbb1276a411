/// The forwarders (mappers) that turn a key into a node, with what each needs. uWSGI uses one
/// per router, chosen by precedence: cache > pattern > subscription > base > code > socket > static.
///
/// The one mapper-kind type: configuration lists the mappers a router was given with it
/// (`RouterSpec.configuredMappers`), `RouterState` runs the active one.
public enum MapperKind: Sendable, Hashable {
    /// `--xxx-use-cache`.
    case cache
    /// `--xxx-use-pattern`.
    case pattern(String)
    /// The subscription table (plain, dotsplit, fallback key, mountpoints).
    case subscription
    /// `--xxx-use-base`.
    case base(String)
    /// The code resolver (`--xxx-use-code-string` in uWSGI; a Swift resolver here).
    case code
    /// `--xxx-use-socket N`: one of uWSGI's local sockets by index. Configuration keeps it;
    /// nothing here runs it (a fleetrouter has no local uWSGI sockets).
    case socket(Int)
    /// Static `-to` nodes.
    case staticNodes
    /// Nothing configured: every lookup finds no node.
    case none

    /// The option suffix that configures this mapper (`use-pattern` in `--http-use-pattern`);
    /// nil for `none`.
    public var optionSuffix: String? {
        switch self {
        case .cache: "use-cache"
        case .pattern: "use-pattern"
        case .subscription: "subscription-server"
        case .base: "use-base"
        case .code: "use-code-string"
        case .socket: "use-socket"
        case .staticNodes: "to"
        case .none: nil
        }
    }

    /// The active mapper for a configuration.
    public static func active(for configuration: RoutingConfiguration) -> MapperKind {
        if configuration.useCache { return .cache }
        if let pattern = configuration.usePattern { return .pattern(pattern) }
        if configuration.subscriptionServer { return .subscription }
        if let base = configuration.useBase { return .base(base) }
        if configuration.codeResolver != nil || configuration.codeMapper { return .code }
        if !configuration.staticNodes.isEmpty { return .staticNodes }
        return .none
    }
}
