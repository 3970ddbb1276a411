import Logging
import NIOCore
import RouterConfig
import RouterCore

/// `--sslrouter`, `--sslrouter2`: TLS termination to raw TCP nodes (uWSGI's
/// `plugins/sslrouter`). Each listener is the raw relay (`StreamConnectionStateMachine`) behind
/// a `TLSLayer`: the node is connected once the first decrypted bytes arrive, and bytes are
/// relayed untouched. The key is the listener's name as configured or, with `--sslrouter-sni`,
/// the SNI name (checked: at most 255 bytes of host-name characters; a connection without SNI
/// keeps the listener's name). Runs on NIO; the handshake must complete within the router's
/// timeout (at most 10 s), and the first bytes arrive within the timeout after it.
struct SSLRouterDriver: RouterKindDriver {
    var kind: RouterKind { .sslrouter }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        for listener in spec.listeners {
            guard case .tls(let settings) = listener.mode else {
                throw .unsupported(option: listener.address.configured, reason: "an SSL router listener needs a certificate and key (--sslrouter2 addr=,cert=,key=)")
            }
            _ = try TLSRouterSupport.material(settings, listener: listener, router: "sslrouter", option: "--sslrouter")
        }
        try checkCorerouterSockets(spec)
    }

    /// The relay every listener runs behind its TLS layer.
    func clientProtocol(for spec: RouterSpec) -> ClientProtocol {
        .raw(streamOptions(for: spec))
    }

    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        let spec = engine.spec
        let relay = clientProtocol(for: spec)
        let tls = try TLSRouterSupport(configuration: configuration, logger: engine.logger)
        var machine = TLSAcceptStateMachine.Configuration()
        engine.attach(kind: tls)
        machine.activation = .firstBytes
        machine.handshakeTimeout = .seconds(Int64(min(spec.timeout, HTTPSListenerDriver.maximumHandshakeTimeout)))
        machine.firstBytesTimeout = .seconds(Int64(spec.timeout))
        let routeBySNI = spec.sslrouter.routeBySNI
        let sessionTimeout = TLSRouterSupport.sessionTimeout(configuration)
        return try await bindCorerouterServices(
            of: engine, binder: &binder, configuration: configuration, routing: routing, control: control,
            shutdownGrace: shutdownGrace
        ) { listener in
            guard case .tls(let settings) = listener.mode else { return relay }
            let contexts = try tls.contexts(settings, listener: listener, router: "sslrouter", option: "--sslrouter", alpn: [],
                                            sessionTimeout: sessionTimeout)
            let layer = TLSLayer(
                contexts: contexts, machine: machine,
                facts: { ClientLayerFacts(key: routeBySNI ? $0.serverName : nil) },
                counters: tls.track(listener, contexts: contexts), logger: engine.logger)
            return relay.layered(layer)
        }
    }
}
