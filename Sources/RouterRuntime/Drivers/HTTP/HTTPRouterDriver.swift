import Logging
import NIOCore
import RouterConfig

/// `--http`: HTTP/1.1 clients, uwsgi-protocol nodes. Its TLS listeners (`--https`, `--https2`)
/// and `--http-to-https` redirects go to `HTTPSListenerDriver` (`Drivers/HTTPS/`), which refuses
/// them by name until the TLS transport exists.
struct HTTPRouterDriver: RouterKindDriver {
    var kind: RouterKind { .http }

    func makeTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport {
        try plaintextTransport(for: spec, choice: choice, logger: logger)
    }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        for listener in spec.listeners {
            switch listener.mode {
            case .plain:
                break
            case .tls:
                try HTTPSListenerDriver().checkSupported(tls: listener)
            case .redirectToHTTPS:
                try HTTPSListenerDriver().checkSupported(redirect: listener)
            case .uwsgiFramed:
                throw .unsupported(option: listener.address.configured, reason: "a uwsgi-framed listener belongs to --forkptyurouter, not the HTTP router")
            }
        }
        try checkCorerouterSockets(spec)
    }

    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        var options = HTTPRouterOptions()
        options.keepalive = spec.http.keepalive != .off
        options.autoChunked = spec.http.autoChunked
        options.websockets = spec.http.websockets
        options.nolinger = spec.http.nolinger
        options.chunkedInput = spec.http.chunkedInput
        options.timeout = .seconds(Int64(spec.timeout))
        options.headersTimeout = spec.http.headersTimeout.map { .seconds(Int64($0)) }
        options.connectTimeout = spec.http.connectTimeout.map { .seconds(Int64($0)) }
        options.modifier1 = UInt8(clamping: spec.http.modifier1)
        options.modifier2 = UInt8(clamping: spec.http.modifier2)
        return .http(options)
    }
}
