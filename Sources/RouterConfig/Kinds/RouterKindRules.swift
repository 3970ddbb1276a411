/// What configuration knows about one router kind: its help heading, how its listeners are
/// written, whether it shares the corerouter options, and the checks of its own options.
///
/// `RouterKind.rules` is the one switch over the kind in this target; each kind's rules live in
/// `RouterKindRules+<Kind>.swift`, next to nothing else of the kind but its option table.
public struct RouterKindRules: Sendable {
    /// The heading used in help text and messages.
    public let title: String
    /// How a listener of this kind is written, for the "no listener" error (`--sslrouter2`).
    let listenerOptions: String
    /// True for the corerouters (every kind but tuntap): listeners, mappers, cheap, fallback.
    let isCorerouter: Bool
    /// True when the kind reads a PROXY v1 preamble (`--enable-proxy-protocol`).
    let readsProxyProtocol: Bool
    /// The kind's own checks, after the corerouter checks: throws for a router that cannot
    /// serve, appends warnings to `notices`.
    let validate: @Sendable (RouterSpec, inout [String]) throws(ConfigurationError) -> Void

    init(title: String, listenerOptions: String, isCorerouter: Bool = true, readsProxyProtocol: Bool = false,
         validate: @escaping @Sendable (RouterSpec, inout [String]) throws(ConfigurationError) -> Void = { _, _ in }) {
        self.title = title
        self.listenerOptions = listenerOptions
        self.isCorerouter = isCorerouter
        self.readsProxyProtocol = readsProxyProtocol
        self.validate = validate
    }

    /// The notice of a router that can route nowhere but closes its clients instead of refusing
    /// to start (the fast, raw and SSL routers, as uWSGI does).
    static func warnWithoutNodes(_ spec: RouterSpec, _ notices: inout [String]) {
        if spec.configuredMappers.isEmpty, spec.fallback.isEmpty {
            notices.append("warning: --\(spec.kind.prefix) has no mapper and no fallback: every client will be closed")
        }
    }
}

extension RouterKind {
    /// This kind's rules: the one switch over the kind in configuration. It has no `default:`, so
    /// a new kind does not compile until it has rules.
    public var rules: RouterKindRules {
        switch self {
        case .http: .http
        case .fastrouter: .fastrouter
        case .rawrouter: .rawrouter
        case .sslrouter: .sslrouter
        case .forkptyrouter: .forkptyrouter
        case .tuntap: .tuntap
        }
    }
}
