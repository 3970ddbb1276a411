import Logging
import RouterConfig

/// `--rawrouter`: TCP passthrough; the key is the listener's address as configured.
struct RawRouterDriver: RouterKindDriver {
    var kind: RouterKind { .rawrouter }

    func makeTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport {
        try plaintextTransport(for: spec, choice: choice, logger: logger)
    }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        try requirePlainListeners(spec)
        try checkCorerouterSockets(spec)
    }

    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        var options = streamOptions(for: spec)
        options.xclient = spec.rawrouter.xclient
        return .raw(options)
    }
}
