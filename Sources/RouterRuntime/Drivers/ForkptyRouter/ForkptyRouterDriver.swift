import NIOCore
import RouterConfig
import RouterCore
import ServiceLifecycle

/// `--forkptyrouter` (raw) and `--forkptyurouter` (uwsgi-framed input): every client gets a
/// fresh pseudo-terminal running `--forkptyrouter-command` (`/bin/sh`). There are no nodes, so
/// no mapper, subscription server or expiry sweep; cheap mode and fallbacks have no effect
/// (configuration warns). The stats list each pty session (client, pid, command, age, bytes).
struct ForkptyRouterDriver: RouterKindDriver {
    var kind: RouterKind { .forkptyrouter }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        for listener in spec.listeners {
            switch listener.mode {
            case .plain, .uwsgiFramed: break
            case .tls, .redirectToHTTPS:
                throw .unsupported(option: listener.address.configured, reason: "a forkpty listener is raw (--forkptyrouter) or framed (--forkptyurouter)")
            }
        }
        try checkCorerouterSockets(spec)
        _ = try options(for: spec)
    }

    /// Sessions of both listener forms; the mode is looked up per listener by its name.
    func clientProtocol(for spec: RouterSpec) throws(FleetRouterError) -> ClientProtocol {
        try clientProtocol(for: spec, registry: PtySessionRegistry(), logger: nil)
    }

    /// A forkpty router never pauses its listeners: with no nodes, cheap mode would never end.
    func configureRouting(_ routing: inout RoutingConfiguration, for spec: RouterSpec) {
        routing.cheap = false
    }

    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        let registry = PtySessionRegistry()
        let kind = try clientProtocol(for: engine.spec, registry: registry, logger: engine)
        var services = RouterKindServices()
        let listeners = try await binder.bindListeners(of: engine, kind: kind, transport: routing)
        services.listeners.append(ClientListenerService(listeners: listeners, grace: shutdownGrace))
        engine.attach(kind: registry)
        if let server = try await binder.bindStatsServer(of: engine, configuration: configuration, group: control) {
            services.control.append(server)
        }
        return services
    }

    /// The per-session settings of `spec`'s sessions (rows and cols are 16-bit on the wire).
    func options(for spec: RouterSpec) throws(FleetRouterError) -> PtySessionStateMachine.Configuration {
        guard let rows = UInt16(exactly: spec.forkpty.rows), PtySessionStateMachine.validWindowSide.contains(rows) else {
            throw .unsupported(option: "--forkptyrouter-rows", reason: "\(spec.forkpty.rows) is not a window size; expected 1-65534")
        }
        guard let columns = UInt16(exactly: spec.forkpty.cols), PtySessionStateMachine.validWindowSide.contains(columns) else {
            throw .unsupported(option: "--forkptyrouter-cols", reason: "\(spec.forkpty.cols) is not a window size; expected 1-65534")
        }
        var configuration = PtySessionStateMachine.Configuration(framed: false, rows: rows, columns: columns)
        configuration.timeout = .seconds(Int64(spec.timeout))
        return configuration
    }

    private func clientProtocol(for spec: RouterSpec, registry: PtySessionRegistry, logger engine: RouterEngine?) throws(FleetRouterError) -> ClientProtocol {
        let base = try options(for: spec)
        let command = spec.forkpty.command
        let arguments = PseudoTerminal.arguments(for: command)
        let framedListeners = Set(spec.listeners.filter { $0.mode == .uwsgiFramed }.map(\.address.configured))
        return ClientProtocol(allowsRemoteHalfClosure: false) { listener in
            var configuration = base
            configuration.framed = framedListeners.contains(listener.name)
            return .pty(ForkptyListenerShared(
                configuration: configuration, command: command, arguments: arguments, registry: registry,
                logger: engine?.logger ?? listener.plane.logger))
        }
    }
}
