import Logging
import NIOCore
import RouterConfig

/// The HTTP router's TLS listeners (`--https`, `--https2`) and its redirects to them
/// (`--http-to-https`). They are listeners of the `http` kind, so the HTTP driver hands each
/// one over: a TLS listener is the HTTP protocol with a `TLSLayer` in front, a redirect
/// listener a handler of its own.
///
/// - TLS 1.2 minimum, 1.3 on, ALPN `http/1.1`; the listener's client CA makes a client
///   certificate requested (or, with `!`, mandatory; SNI contexts keep that requirement).
/// - The handshake must complete within the headers timeout, at most 10 s.
/// - Plaintext HTTP sent to the port is answered `400` in plaintext and counted.
/// - Certificate, key and CA files are loaded at start; a missing, unparsable or mismatched
///   one stops the start, naming the file.
struct HTTPSListenerDriver {
    /// The longest handshake deadline.
    static let maximumHandshakeTimeout = 10

    /// Loads a TLS listener's files, refusing the start naming the bad one.
    func checkSupported(tls settings: TLSListenerSettings, listener: RouterListener) throws(FleetRouterError) {
        _ = try TLSRouterSupport.material(settings, listener: listener, router: "http", option: "--https")
    }

    /// The protocol of a TLS listener: `http`'s behind a TLS layer.
    func clientProtocol(
        tls settings: TLSListenerSettings, listener: RouterListener, http: ClientProtocol, spec: RouterSpec,
        support: TLSRouterSupport, sessionTimeout: TimeAmount, logger: Logger
    ) throws(FleetRouterError) -> ClientProtocol {
        let contexts = try support.contexts(settings, listener: listener, router: "http", option: "--https", alpn: ["http/1.1"],
                                            sessionTimeout: sessionTimeout)
        let counters = support.track(listener, contexts: contexts)
        var machine = TLSAcceptStateMachine.Configuration()
        machine.handshakeTimeout = .seconds(Int64(min(spec.effectiveHeadersTimeout, Self.maximumHandshakeTimeout)))
        machine.answersPlaintextHTTP = true
        let exportPEM = spec.http.exportClientCertificate
        let layer = TLSLayer(contexts: contexts, machine: machine, facts: { handshake in
            HTTPSClientCertificateVars.facts(handshake, exportPEM: exportPEM)
        }, counters: counters, logger: logger)
        return http.layered(layer)
    }

    /// The protocol of a `--http-to-https ADDR[,PORT]` listener.
    func redirectProtocol(port: Int?, spec: RouterSpec, serverName: String) -> ClientProtocol {
        var configuration = HTTPSRedirectStateMachine.Configuration(port: port, defaultHost: serverName)
        configuration.headersTimeout = .seconds(Int64(spec.effectiveHeadersTimeout))
        let settings = configuration
        return ClientProtocol(allowsRemoteHalfClosure: false) { _ in
            .handler(NIOConnectionHandlerFactory { HTTPSRedirectHandler(configuration: settings) })
        }
    }
}
