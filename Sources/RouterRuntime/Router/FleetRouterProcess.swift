import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RouterConfig
import RouterCore
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running fleetrouter: every configured router (HTTP, fast, raw) with its listeners,
/// subscription server, stats server and expiry timer, plus the admin API, all bound by
/// `start` and served as one `ServiceGroup` by `run()`.
///
/// Routing runs on one data-plane transport per router (`--xxx-workers` workers); subscription,
/// stats and admin servers share a separate control-plane group, so their clients never delay
/// routing. On SIGTERM/SIGINT (or `shutdown()`) listeners stop accepting, open sessions get
/// the grace to finish, then everything closes and `run()` returns.
public final class FleetRouterProcess: Sendable {
    /// The configuration it runs.
    public let configuration: RouterConfiguration
    /// One engine per router, in configuration order.
    public let engines: [RouterEngine]
    /// Every socket bound, in binding order.
    public let boundSockets: [BoundSocket]
    /// The admin handler, when `--admin` is configured.
    public let adminHandler: FleetAdminHandler?
    private let serviceGroup: ServiceGroup
    private let eventLoopGroups: [MultiThreadedEventLoopGroup]
    let transports: [any DataPlaneTransport]
    /// `--xxx-harakiri`'s loop-stall watchdog, when a router sets it.
    private let watchdog: LoopStallWatchdog?
    private let runStarted = NIOLockedValueBox(false)
    private let finished = CompletionSignal()

    /// One bound socket, as the `fleetrouter: …` startup lines name it.
    public struct BoundSocket: Sendable, Hashable {
        /// What the socket serves.
        public enum Role: String, Sendable, Hashable {
            /// A router's client listener.
            case listener
            /// A router's subscription server.
            case subscription
            /// A router's stats server.
            case stats
            /// The admin API.
            case admin
            /// A router's UDP gateway (the tuntap router's).
            case gateway
            /// A cache's UDP server (uWSGI cache datagrams); `router` is the cache's name.
            case cacheUDP
        }

        /// The router's name (`http`, `fastrouter`, `rawrouter`); nil for the admin API.
        public var router: String?
        /// What it serves.
        public var role: Role
        /// The address as configured.
        public var configured: String
        /// The address bound (port 0 resolved): `127.0.0.1:41234`, `[::1]:41234` or a path.
        public var bound: String

        /// The startup line for this socket (parsed by tests from stderr; keep the form).
        public var announcement: String {
            switch role {
            case .listener: "fleetrouter: \(router ?? "-") listening on \(configured) bound \(bound)"
            case .subscription: "fleetrouter: \(router ?? "-") subscription server on \(configured) bound \(bound)"
            case .stats: "fleetrouter: \(router ?? "-") stats server on \(configured) bound \(bound)"
            case .admin: "fleetrouter: admin API on \(configured) bound \(bound)"
            case .gateway: "fleetrouter: \(router ?? "-") gateway on \(configured) bound \(bound)"
            case .cacheUDP: "fleetrouter: cache \(router ?? "-") UDP server on \(configured) bound \(bound)"
            }
        }
    }

    private init(
        configuration: RouterConfiguration, engines: [RouterEngine], boundSockets: [BoundSocket],
        adminHandler: FleetAdminHandler?, serviceGroup: ServiceGroup, eventLoopGroups: [MultiThreadedEventLoopGroup],
        transports: [any DataPlaneTransport], watchdog: LoopStallWatchdog?
    ) {
        self.watchdog = watchdog
        self.configuration = configuration
        self.engines = engines
        self.boundSockets = boundSockets
        self.adminHandler = adminHandler
        self.serviceGroup = serviceGroup
        self.transports = transports
        self.eventLoopGroups = eventLoopGroups
    }

    /// The bound address of the first socket of `role` (for `router`, unless admin).
    public func boundAddress(_ role: BoundSocket.Role, router: String? = nil) -> String? {
        boundSockets.first { $0.role == role && (router == nil || $0.router == router) }?.bound
    }

    /// Writes a startup line to standard error, unbuffered.
    public static func writeToStandardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        // A short write or EINTR on a pipe must not drop half a line the tests parse.
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Binds everything the configuration names and returns the process, ready to `run()`.
    /// Each bound socket is announced (`fleetrouter: http listening on … bound …`), then
    /// `fleetrouter: ready`. On failure, what was bound is closed again and the error names the
    /// address, file or option at fault.
    ///
    /// - Parameters:
    ///   - shutdownGrace: how long open client sessions may take to finish at shutdown.
    ///   - handleSignals: shut down gracefully on SIGTERM and SIGINT, and reload TLS
    ///     certificates on SIGHUP (off in tests).
    ///   - announce: where the startup lines go (standard error by default).
    ///   - codeResolvers: in-process code forwarders by name, for the routers configured with
    ///     `--xxx-use-code-resolver NAME` (see `CodeResolver`).
    ///   - onLoopStall: what a data-plane loop stuck past its router's `--xxx-harakiri` limit
    ///     triggers (default: a critical log line, then `abort()`).
    ///   - cancellationBackstop: how long services cancelled after the grace may take to end
    ///     before ServiceLifecycle stops the process (see `ControlPlane.serviceGroup`).
    public static func start(
        configuration: RouterConfiguration,
        logger: Logger,
        shutdownGrace: TimeAmount = .seconds(5),
        handleSignals: Bool = true,
        announce: @escaping @Sendable (String) -> Void = FleetRouterProcess.writeToStandardError,
        codeResolvers: [String: any CodeResolver] = [:],
        onLoopStall: (@Sendable (_ loop: String, _ busy: TimeAmount, _ limit: TimeAmount) -> Void)? = nil,
        metrics: FleetMetricsExporter = FleetMetricsExporter(),
        cancellationBackstop: Duration = .seconds(10)
    ) async throws -> FleetRouterProcess {
        try checkSupported(configuration)
        // Names are resolved before anything is bound, so a typo fails with nothing to undo.
        let privileges = try PrivilegeDrop.plan(configuration)
        let token = try configuration.adminTokenFile.map { path throws(RuntimeError) in try AdminToken.load(fromFile: path) }
        let stateFile = configuration.stateFile.map { StateFile<PersistedState>(path: $0) }
        let saved: PersistedState
        do {
            let policy: StateFile<PersistedState>.CorruptPolicy = configuration.stateFileDiscardCorrupt ? .setAside : .refuse
            saved = try stateFile?.load(corrupt: policy) { aside in
                logger.warning("state file is not valid; renamed aside, starting with no operator state", metadata: [
                    "path": "\(configuration.stateFile ?? "-")", "moved_to": "\(aside)"])
                announce("fleetrouter: state file \(configuration.stateFile ?? "-") is not valid; renamed to \(aside)")
            } ?? PersistedState()
        } catch {
            throw FleetRouterError.stateFile(reason: error.description)
        }
        let caches = configuration.caches.map(RouteCacheStore.init(spec:))
        StateWriter.restore(saved, into: caches, logger: logger)
        let control = ControlPlane.makeEventLoopGroup()
        let groups: [MultiThreadedEventLoopGroup] = [control]
        var transports: [any DataPlaneTransport] = []
        var stallWatched: [(worker: any DataPlaneWorker, name: String, limit: TimeAmount)] = []
        var binder = Binder(logger: logger, announce: announce)
        binder.activated = InheritedSocket.takeActivated()
        var engines: [RouterEngine] = []
        do {
            var listenerServices: [any Service] = []
            var controlServices: [any Service] = []
            // Fleet intents hold before the first client is accepted.
            // Read once, before anything is bound: a bad registry option or password file stops
            // the start here, naming it.
            let registryLocation = try RegistryService.location(configuration)
            let initialIntent = await RegistryService.initialIntent(location: registryLocation, configuration: configuration, logger: logger)
            for configured in configuration.routers {
                let spec = try prepared(configured, configuration: configuration)
                // The one place a router's transport is chosen.
                let routing = try spec.kind.driver.makeTransport(
                    for: spec, choice: configuration.dataPlane.resolved(environment: Self.environment), logger: logger)
                transports.append(routing)
                if spec.harakiri > 0 {
                    for (index, worker) in routing.workers.enumerated() {
                        stallWatched.append((worker, "\(spec.kind.prefix) worker \(index)", .seconds(Int64(spec.harakiri))))
                    }
                }
                let engine = try RouterEngine(
                    spec: spec, global: configuration, operators: saved.routers[spec.kind.rawValue] ?? OperatorState(), caches: caches,
                    codeResolvers: codeResolvers, sessions: SessionTable(workers: routing.workers), logger: logger)
                if let initialIntent { engine.replaceFleetIntent(initialIntent) }
                engines.append(engine)
                let services = try await spec.kind.driver.bindServices(
                    of: engine, binder: &binder, configuration: configuration, routing: routing, control: control,
                    shutdownGrace: shutdownGrace)
                listenerServices += services.listeners
                controlServices += services.control
            }
            let tlsRouters = engines.compactMap { $0.kindAttachment as? TLSRouterSupport }
            if handleSignals, !tlsRouters.isEmpty { controlServices.append(TLSReloadSignalService(routers: tlsRouters)) }
            let writer = StateWriter(stateFile: stateFile, engines: engines, caches: caches, logger: logger)
            if !caches.isEmpty {
                let service = try await CacheService.bind(
                    configuration: configuration, stores: caches, writer: writer, group: control, logger: logger)
                for socket in service.sockets {
                    binder.recordOwned(socket) { await service.close() }
                }
                controlServices.append(service)
            }
            var adminHandler: FleetAdminHandler?
            if let admin = configuration.admin {
                let handler = FleetAdminHandler(writer: writer, metrics: metrics, logger: logger)
                let server = try await binder.bindAdmin(admin, configuration: configuration, token: token, handler: handler, group: control)
                // The stats name the address bound (port 0 resolved), so fleettop learns one it can reach.
                let bound = server.listener.boundAddress.configured
                for engine in engines { engine.boundAdmin.withLockedValue { $0 = bound } }
                controlServices.append(server)
                adminHandler = handler
            }
            // Metrics that also go to another backend are folded on a timer, not only at scrape.
            if metrics.forwards {
                controlServices.append(MetricsFoldService(exporter: metrics, engines: engines, admin: adminHandler))
            }
            // Registered last, so it is the first to stop: the registration is gone before
            // the listeners start draining.
            var registryServices: [any Service] = []
            if let registry = try RegistryService.make(
                location: registryLocation, configuration: configuration, engines: engines, stats: binder.bound.first { $0.role == .stats }?.bound,
                admin: binder.bound.first { $0.role == .admin }?.bound, logger: logger) {
                registryServices.append(registry)
                announce(registry.announcement)
            }
            // The group shuts services down in reverse order: listeners first (stop accepting,
            // let sessions finish) while subscriptions, stats and admin still answer.
            let group = ControlPlane.serviceGroup(
                services: controlServices + listenerServices + registryServices,
                gracePeriod: .nanoseconds(shutdownGrace.nanoseconds) + .seconds(5),
                cancellationBackstop: cancellationBackstop,
                signals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger)
            // Every socket (and device) is open: only now may the process give up root.
            if let privileges { announce(try privileges.apply()) }
            let watchdog = LoopStallWatchdog(loops: stallWatched, onStall: onLoopStall ?? LoopStallWatchdog.abortingHandler(logger: logger))
            announce("fleetrouter: ready")
            return FleetRouterProcess(
                configuration: configuration, engines: engines, boundSockets: binder.bound,
                adminHandler: adminHandler, serviceGroup: group, eventLoopGroups: groups, transports: transports, watchdog: watchdog)
        } catch {
            await binder.closeAll()
            // A code forwarder's own threads stop with the start that failed.
            for engine in engines { engine.codeForwarder?.shutdown() }
            for transport in transports { await transport.shutdown() }
            for group in groups { try? await group.shutdownGracefully() }
            throw error
        }
    }

    /// Serves until SIGTERM/SIGINT (when handled) or `shutdown()`, then stops gracefully:
    /// listeners stop accepting, sessions finish within the grace, servers close.
    public func run() async throws {
        let first = runStarted.withLockedValue { started in
            defer { started = true }
            return !started
        }
        guard first else {
            await finished.wait()
            return
        }
        defer { finished.complete() }
        do {
            try await serviceGroup.run()
        } catch {
            await closeEventLoops()
            throw error
        }
        await closeEventLoops()
    }

    /// Stops the process gracefully (as SIGTERM does) and returns once everything is closed.
    public func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
        let mustRun = runStarted.withLockedValue { !$0 }
        if mustRun {
            // Never run: running the group now starts and at once stops every service, which
            // is the one shutdown path there is.
            try? await run()
        } else {
            await finished.wait()
        }
    }

    private func closeEventLoops() async {
        watchdog?.stop()
        for transport in transports { await transport.shutdown() }
        for engine in engines {
            engine.detachListeners()
            engine.codeForwarder?.shutdown()
        }
        for group in eventLoopGroups { try? await group.shutdownGracefully() }
    }

    /// `spec` as it runs: the process-wide mountpoints copied in, and a `fd://N` listener for
    /// each socket its zerg servers (`--xxx-zerg`) hand out.
    static func prepared(_ spec: RouterSpec, configuration: RouterConfiguration) throws -> RouterSpec {
        var spec = spec
        spec.mountpoints = configuration.subscriptionMountpoints
        for path in spec.zerg {
            for fd in try ZergClient.receive(from: path, option: "--\(spec.kind.prefix)-zerg") {
                spec.listeners.append(RouterListener(address: try ListenAddress(parsing: "fd://\(fd)", for: .listen)))
            }
        }
        return spec
    }

    /// The process environment (for `--data-plane auto`).
    static var environment: [String: String] {
        var values: [String: String] = [:]
        if let value = getenv("FLEETROUTER_DATA_PLANE") { values["FLEETROUTER_DATA_PLANE"] = String(cString: value) }
        return values
    }

    /// Refuses router kinds and listener forms the runtime does not serve yet: each router's
    /// driver checks its own.
    static func checkSupported(_ configuration: RouterConfiguration) throws(FleetRouterError) {
        guard !configuration.routers.isEmpty else {
            throw .unsupported(option: "(no router)", reason: "configure at least one of \(RouterKind.servedOptions)")
        }
        for spec in configuration.routers {
            try spec.kind.driver.checkSupported(spec)
        }
        if let option = UnappliedOptions(configuration).refused.first {
            throw .unsupported(option: option, reason: "accepted from uWSGI's option set but not carried out by this version; remove it")
        }
    }
}
