/// Options the parser accepts (they are uWSGI's) but this runtime does not carry out.
///
/// Ones that would change what a client or node sees are refused, so nobody runs a router
/// that silently behaves differently from its configuration; pure tuning knobs of uWSGI's
/// process model only earn a notice.
public struct UnappliedOptions: Sendable, Equatable {
    /// Options that change behaviour: the process refuses to start.
    public var refused: [String] = []
    /// Options without effect here: started with a notice.
    public var ignored: [String] = []

    /// Inspects `configuration`.
    public init(_ configuration: RouterConfiguration) {
        if configuration.noDeferAccept { ignored.append("--no-defer-accept") }
        for spec in configuration.routers {
            inspect(spec)
        }
    }

    private mutating func inspect(_ spec: RouterSpec) {
        let p = "--\(spec.kind.prefix)"
        let http = spec.http
        if case .idleTimeout = http.keepalive {
            ignored.append("\(p)-keepalive N's idle limit (\(p)-timeout applies between requests)")
        }
    }
}
