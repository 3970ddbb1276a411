import Logging
import RouterConfig
import RouterCore

/// `--fastrouter`: uwsgi packets in and out; the key is the first packet's `UWSGI_FASTROUTER_KEY`
/// or `HTTP_HOST`, unless `--fastrouter-force-key` names one.
struct FastRouterDriver: RouterKindDriver {
    var kind: RouterKind { .fastrouter }

    func makeTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport {
        try plaintextTransport(for: spec, choice: choice, logger: logger)
    }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        try requirePlainListeners(spec)
        try checkCorerouterSockets(spec)
    }

    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        .fast(streamOptions(for: spec))
    }

    /// `--fastrouter-fallback-on-no-key`: no key, or no node for it, goes to the fallback list.
    func configureRouting(_ routing: inout RoutingConfiguration, for spec: RouterSpec) {
        routing.fallbackOnNoKey = spec.fastrouter.fallbackOnNoKey
    }

    func forcedKey(for spec: RouterSpec) -> RouteKey? {
        spec.fastrouter.forceKey.map { RouteKey($0) }
    }
}
