import Logging
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
import ServiceLifecycle

/// Everything the runtime knows about one router kind: what it refuses, the pipeline its
/// listeners install, the services it binds and the routing policy it adds to the corerouter's.
/// The stats document, the admin edits and the state file are the same for every served kind
/// (RouterCore's), so they have no hook here yet.
///
/// `RouterKind.driver` (`RouterKind+Driver.swift`) is the one place a kind is mapped to its
/// driver; nothing else in the runtime branches on the kind. A kind that is parsed but not served
/// yet has a driver too (`NotImplementedRouterKindDriver`), which refuses it by name.
protocol RouterKindDriver: Sendable {
    /// The kind it drives.
    var kind: RouterKind { get }
    /// True when this runtime serves the kind.
    var isImplemented: Bool { get }
    /// The option a user writes to configure the kind (`--http`, `--tuntap-router`).
    var option: String { get }
    /// Refuses a router this runtime cannot serve as configured: the kind itself, a listener
    /// form or an option. The error names the option and why.
    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError)
    /// The pipeline every client listener of `spec` installs.
    func clientProtocol(for spec: RouterSpec) throws(FleetRouterError) -> ClientProtocol
    /// Adds the kind's own routing policy to the one every corerouter shares.
    func configureRouting(_ routing: inout RoutingConfiguration, for spec: RouterSpec)
    /// The key every request of `spec` uses, when the kind forces one.
    func forcedKey(for spec: RouterSpec) -> RouteKey?
    /// The transport the router's clients run on, for the `--data-plane` choice.
    func makeTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport
    /// Binds the router's sockets (announcing each through `binder`) and returns the services
    /// they run as. Client listeners go on the `routing` transport, stats and the rest on
    /// `control`; subscription sockets get reader threads of their own.
    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices
}

/// The services one router runs, by shutdown order: listeners stop first (no new clients, open
/// sessions finish) while the control services still answer.
struct RouterKindServices {
    /// The router's client listeners.
    var listeners: [any Service] = []
    /// Its subscription server, stats server, expiry sweep and the like.
    var control: [any Service] = []
}

extension RouterKindDriver {
    var isImplemented: Bool { true }

    var option: String { "--\(kind.prefix)" }

    func configureRouting(_ routing: inout RoutingConfiguration, for spec: RouterSpec) {}

    func forcedKey(for spec: RouterSpec) -> RouteKey? { nil }

    /// NIO, the transport every kind runs on.
    func makeTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport {
        NIOTransport(threads: spec.workers, receiveBufferSize: spec.bufferSize)
    }

    /// The transport choice of the http, fast and raw routers (`DataPlaneSelection`): lean
    /// loops when every listener is plaintext, unless NIO is chosen.
    func plaintextTransport(for spec: RouterSpec, choice: DataPlaneChoice, logger: Logger) throws -> any DataPlaneTransport {
        let plain = spec.listeners.allSatisfy { if case .plain = $0.mode { true } else { false } }
        return try DataPlaneSelection.transport(
            choice: choice, plaintext: plain, router: kind.prefix, logger: logger,
            lean: { backend -> any DataPlaneTransport in
                try LeanTransport(threads: spec.workers, name: "\(kind.prefix)-lean", backend: backend, tuning: LeanTuning(spec, backend: backend))
            },
            nio: { NIOTransport(threads: spec.workers, receiveBufferSize: spec.bufferSize) })
    }

    /// A corerouter's services: its client listeners with the kind's pipeline, its
    /// subscription server and stats server if configured, and the subscription expiry sweep.
    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        let kind = try clientProtocol(for: engine.spec)
        return try await bindCorerouterServices(
            of: engine, binder: &binder, configuration: configuration, routing: routing, control: control,
            shutdownGrace: shutdownGrace) { _ in kind }
    }

    /// `bindServices` for a kind whose listeners differ (TLS, redirect): `protocolFor` gives
    /// each listener's pipeline.
    func bindCorerouterServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount,
        protocolFor: (RouterListener) throws -> ClientProtocol
    ) async throws -> RouterKindServices {
        var services = RouterKindServices()
        let listeners = try await binder.bindListeners(of: engine, transport: routing, protocolFor: protocolFor)
        services.listeners.append(ClientListenerService(listeners: listeners, grace: shutdownGrace))
        if let server = try await binder.bindSubscriptionServer(of: engine, configuration: configuration) {
            services.control.append(server)
        }
        if let server = try await binder.bindStatsServer(of: engine, configuration: configuration, group: control) {
            services.control.append(server)
        }
        services.control.append(ExpiryService(engine: engine))
        return services
    }

    /// The checks every served corerouter shares: listeners on addresses this runtime binds
    /// or adopts (`fd://N`, systemd's, a zerg server's); `=N` is resolved by the option parser first.
    func checkCorerouterSockets(_ spec: RouterSpec) throws(FleetRouterError) {
        for listener in spec.listeners {
            if case .sharedSocket = listener.address.endpoint {
                throw .unsupported(option: listener.address.configured,
                                   reason: "=N names a --shared-socket, which the option parser puts in its place; a configuration built without it must give the address (or fd://N)")
            }
        }
    }

    /// Refuses any listener of a stream router that is not plain (the parser gives the fast
    /// and raw routers none, so this guards the option tables).
    func requirePlainListeners(_ spec: RouterSpec) throws(FleetRouterError) {
        for listener in spec.listeners {
            guard case .plain = listener.mode else {
                throw .unsupported(option: listener.address.configured, reason: "TLS and redirect listeners are not served yet; use a plain listener")
            }
        }
    }

    /// The fast and raw routers' data-plane settings.
    func streamOptions(for spec: RouterSpec) -> StreamRouterOptions {
        var options = StreamRouterOptions()
        options.timeout = .seconds(Int64(spec.timeout))
        options.mountpoints = spec.mountpoints
        options.postBuffering = spec.postBuffering
        options.postBufferingDirectory = spec.postBufferingDirectory
        return options
    }
}

/// The driver of a kind that is parsed (its options, help and validation work) but not served
/// yet: it refuses the kind by its option name, with the reason.
protocol NotImplementedRouterKindDriver: RouterKindDriver {
    /// Why the kind is not served, and what to use meanwhile.
    var reason: String { get }
}

extension NotImplementedRouterKindDriver {
    var isImplemented: Bool { false }

    /// The error every use of the kind ends in.
    var refusal: FleetRouterError {
        .unsupported(option: option, reason: "not implemented yet in fleetrouter: \(reason)")
    }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) { throw refusal }

    func clientProtocol(for spec: RouterSpec) throws(FleetRouterError) -> ClientProtocol { throw refusal }

    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        throw refusal
    }
}
