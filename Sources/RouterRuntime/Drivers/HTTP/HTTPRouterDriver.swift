import Logging
import NIOCore
import RouterConfig

/// `--http`: HTTP/1.1 clients, uwsgi-protocol nodes. Its TLS listeners (`--https`, `--https2`)
/// and `--http-to-https` redirects go to `HTTPSListenerDriver` (`Drivers/HTTPS/`); a router
/// with any of them runs on NIO (TLS is a NIO layer).
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
            case .tls(let settings):
                try HTTPSListenerDriver().checkSupported(tls: settings, listener: listener)
            case .redirectToHTTPS:
                break
            case .uwsgiFramed:
                throw .unsupported(option: listener.address.configured, reason: "a uwsgi-framed listener belongs to --forkptyurouter, not the HTTP router")
            }
        }
        try checkCorerouterSockets(spec)
    }

    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        clientProtocol(for: spec, globalProxyProtocol: false)
    }

    /// The listeners' protocol; `globalProxyProtocol` is `--enable-proxy-protocol`.
    func clientProtocol(for spec: RouterSpec, globalProxyProtocol: Bool) -> ClientProtocol {
        .http(options(for: spec, globalProxyProtocol: globalProxyProtocol))
    }

    /// The data-plane options of `spec`.
    func options(for spec: RouterSpec, globalProxyProtocol: Bool) -> HTTPRouterOptions {
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
        options.rawBody = spec.http.rawBody
        options.manageSource = spec.http.manageSource
        options.manageRTSP = spec.http.manageRTSP
        options.manageExpect = switch spec.http.manageExpect {
        case .off: .off
        case .on: .answer
        case .limit(let bytes): .limit(bytes)
        }
        options.autoGzip = spec.http.autoGzip
        options.vars = spec.http.vars.map { ($0.name, $0.value) }
        options.serverNameAsHTTPHost = spec.http.serverNameAsHTTPHost
        options.proxyProtocol = spec.http.enableProxyProtocol || globalProxyProtocol
        options.proxyProtocolAllow = spec.http.proxyProtocolAllow
        options.studPrefixes = spec.http.studPrefixes.compactMap { AddressRange.bytes(ofNumeric: $0) }
        options.mountpoints = spec.mountpoints
        options.postBuffering = spec.postBuffering
        options.postBufferingDirectory = spec.postBufferingDirectory
        return options
    }

    /// Each listener's protocol: plain HTTP, HTTP behind TLS, or the redirect to HTTPS; the
    /// TLS listeners share the router's SNI certificates.
    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        let spec = engine.spec
        let http = clientProtocol(for: spec, globalProxyProtocol: configuration.enableProxyProtocol)
        let https = HTTPSListenerDriver()
        let tls = try TLSRouterSupport(configuration: configuration, logger: engine.logger)
        let serverName = HTTPRouterOptions().serverName
        if spec.listeners.contains(where: { if case .tls = $0.mode { true } else { false } }) { engine.attach(kind: tls) }
        return try await bindCorerouterServices(
            of: engine, binder: &binder, configuration: configuration, routing: routing, control: control,
            shutdownGrace: shutdownGrace
        ) { listener in
            switch listener.mode {
            case .tls(let settings):
                try https.clientProtocol(
                    tls: settings, listener: listener, http: http, spec: spec, support: tls,
                    sessionTimeout: TLSRouterSupport.sessionTimeout(configuration), logger: engine.logger)
            case .redirectToHTTPS(let port):
                https.redirectProtocol(port: port, spec: spec, serverName: serverName)
            case .plain, .uwsgiFramed:
                http
            }
        }
    }
}
