import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCore
import RouterWire

extension FleetRouterProcess {
    /// Binds a process's sockets one by one, announcing each, and remembers how to close them
    /// should a later bind fail.
    struct Binder {
        let logger: Logger
        let announce: @Sendable (String) -> Void
        private(set) var bound: [BoundSocket] = []
        private var closers: [@Sendable () async -> Void] = []
        /// Sockets systemd passed (`LISTEN_FDS`) not adopted yet: a listener whose address one
        /// of them is bound to takes it instead of binding.
        var activated: [CInt] = []

        init(logger: Logger, announce: @escaping @Sendable (String) -> Void) {
            self.logger = logger
            self.announce = announce
        }

        private mutating func record(_ socket: BoundSocket) {
            bound.append(socket)
            announce(socket.announcement)
        }

        /// Announces a socket a driver bound itself, and closes it with `closer` should a
        /// later bind fail.
        mutating func recordOwned(_ socket: BoundSocket, closer: @escaping @Sendable () async -> Void) {
            closers.append(closer)
            record(socket)
        }

        /// Binds the router's client listeners on its transport, each serving `kind`'s
        /// connection machine; a cheap router's listeners start paused.
        mutating func bindListeners(
            of engine: RouterEngine, kind: ClientProtocol, transport: any DataPlaneTransport
        ) async throws -> [any ListenerControl] {
            try await bindListeners(of: engine, transport: transport) { _ in kind }
        }

        /// Binds the router's client listeners, each serving the protocol `protocolFor` gives it.
        mutating func bindListeners(
            of engine: RouterEngine, transport: any DataPlaneTransport, protocolFor: (RouterListener) throws -> ClientProtocol
        ) async throws -> [any ListenerControl] {
            let plane = DataPlane(policy: engine, sessions: engine.sessions,
                                  logger: DataPlane.logger(engine.logger, quiet: engine.spec.quiet))
            var listeners: [any ListenerControl] = []
            for listener in engine.spec.listeners {
                let name = listener.address.configured
                let kind = try protocolFor(listener)
                let client: any ListenerControl
                do {
                    client = try await transport.bindListener(
                        name: takeActivated(for: listener.address) ?? name, serving: kind, plane: plane, accepting: !engine.isCheap,
                        limit: ConnectionLimit(maximum: engine.spec.maxConnections))
                } catch {
                    throw RuntimeError.bindFailed(address: name, reason: "\(error)")
                }
                closers.append { await client.stop(grace: .zero) }
                listeners.append(client)
                let actual: String
                if let address = client.localAddress, address.port != nil {
                    actual = SocketAddressSpec(boundAddress: address).configured
                } else {
                    actual = name
                }
                record(BoundSocket(router: engine.name, role: .listener, configured: name, bound: actual))
            }
            engine.attach(listeners: listeners)
            return listeners
        }

        /// `fd://N` for the socket systemd passed that is bound to `address`, taken from
        /// `activated`; nil when none is.
        private mutating func takeActivated(for address: ListenAddress) -> String? {
            guard !activated.isEmpty else { return nil }
            let wanted: SocketAddress?
            switch address.endpoint {
            case .inet: wanted = try? SocketAddressSpec(address.address).resolved()
            case .unix(let path): wanted = try? SocketAddress(unixDomainSocketPath: path)
            default: wanted = nil
            }
            guard let wanted, let index = activated.firstIndex(where: { InheritedSocket.localAddress($0) == wanted }) else { return nil }
            let fd = activated.remove(at: index)
            logger.info("listener adopted from systemd", metadata: ["address": "\(address.configured)", "fd": "\(fd)"])
            return "fd://\(fd)"
        }

        /// Binds the router's subscription server (a reader thread per socket), if configured.
        /// A server reachable beyond loopback that trusts every datagram logs a warning.
        mutating func bindSubscriptionServer(
            of engine: RouterEngine, configuration: RouterConfiguration
        ) async throws -> SubscriptionServer? {
            guard !engine.spec.subscriptionServers.isEmpty else { return nil }
            let specs = try engine.spec.subscriptionServers.map { address throws(RuntimeError) in try SocketAddressSpec(address.address) }
            let server = try await SubscriptionServer.bind(
                listeners: specs, sink: engine, logger: engine.logger,
                unixMode: configuration.subscriptionSocketMode, passCredentials: configuration.useCredentials)
            if let warning = SubscriptionTrust.exposureWarning(listeners: specs, trust: engine.trust) {
                engine.logger.warning("\(warning)")
            }
            closers.append { await server.shutdown() }
            engine.attach(subscriptionCounters: server.counters)
            for (configured, actual) in zip(specs, server.boundAddresses) {
                record(BoundSocket(router: engine.name, role: .subscription, configured: configured.configured, bound: actual.configured))
            }
            return server
        }

        /// Binds the router's stats server on the control-plane group, if configured.
        mutating func bindStatsServer(
            of engine: RouterEngine, configuration: RouterConfiguration, group: any EventLoopGroup
        ) async throws -> StatsServer? {
            guard let address = engine.spec.statsAddress else { return nil }
            return try await bindStatsServer(at: address, source: engine, of: engine, configuration: configuration, group: group)
        }

        /// Binds a stats server at `address` serving `source` (a driver whose router has more
        /// than one stats address, each with its own document).
        mutating func bindStatsServer(
            at address: ListenAddress, source: any StatsSource, of engine: RouterEngine,
            configuration: RouterConfiguration, group: any EventLoopGroup
        ) async throws -> StatsServer {
            let spec = try SocketAddressSpec(address.address)
            let server = try await StatsServer.bind(
                .init(listener: spec, http: configuration.statsHTTP, socketTimeout: .seconds(Int64(configuration.socketTimeout)),
                      maxConnections: configuration.statsMaxConnections),
                source: source, group: group, logger: engine.logger)
            closers.append { await server.shutdown() }
            engine.attach(statsLimit: server.limit)
            record(BoundSocket(router: engine.name, role: .stats, configured: spec.configured, bound: server.listener.boundAddress.configured))
            return server
        }

        /// Binds the admin API on the control-plane group.
        mutating func bindAdmin(
            _ address: ListenAddress, configuration: RouterConfiguration, token: AdminToken?, handler: FleetAdminHandler,
            group: any EventLoopGroup
        ) async throws -> AdminServer {
            let spec = try SocketAddressSpec(address.address)
            var settings = AdminServer.Configuration(
                listener: spec, idleTimeout: .seconds(Int64(configuration.adminIdleTimeout)),
                requestTimeout: .seconds(Int64(configuration.adminRequestTimeout)),
                maxConnections: configuration.adminMaxConnections)
            settings.publicReads = configuration.adminPublicReads
            let server = try await AdminServer.bind(settings, token: token, handler: handler, group: group, logger: logger)
            closers.append { await server.shutdown() }
            handler.adminLimit.withLockedValue { $0 = server.limit }
            record(BoundSocket(router: nil, role: .admin, configured: spec.configured, bound: server.listener.boundAddress.configured))
            return server
        }

        /// Closes everything bound so far, newest first.
        func closeAll() async {
            for close in closers.reversed() { await close() }
        }
    }
}
