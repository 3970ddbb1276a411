import RouterConfig

/// The HTTP router's TLS listeners (`--https`, `--https2`) and its redirects to them
/// (`--http-to-https`): parsed, and refused here by name until the TLS transport exists. They
/// are listeners of the `http` kind, so the HTTP driver hands each one over.
struct HTTPSListenerDriver {
    /// Refuses a `--https` / `--https2` listener.
    func checkSupported(tls listener: RouterListener) throws(FleetRouterError) {
        throw .unsupported(option: "--https", reason: "not implemented yet in fleetrouter: HTTPS listeners (--https, --https2 \(listener.address.configured)) arrive with the TLS transport; terminate TLS in front of a plain --http listener")
    }

    /// Refuses a `--http-to-https` listener.
    func checkSupported(redirect listener: RouterListener) throws(FleetRouterError) {
        throw .unsupported(option: "--http-to-https", reason: "not implemented yet in fleetrouter: the redirect to HTTPS (\(listener.address.configured)) arrives with the HTTPS listeners; use a plain --http listener")
    }
}
