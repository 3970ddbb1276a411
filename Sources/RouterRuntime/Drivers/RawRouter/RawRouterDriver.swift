import RouterConfig

/// `--rawrouter`: TCP passthrough; the key is the listener's address as configured.
struct RawRouterDriver: RouterKindDriver {
    var kind: RouterKind { .rawrouter }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        try requirePlainListeners(spec)
        try checkCorerouterSockets(spec)
    }

    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        .raw(streamOptions(for: spec))
    }
}
