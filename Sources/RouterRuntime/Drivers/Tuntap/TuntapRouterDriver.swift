import Logging
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `--tuntap-router "DEV SOCKET [STATS [GATEWAY]]"` and `--tuntap-device "DEV[ SOCKET]"`: a
/// user-space IPv4 router between a TUN device and unix-socket peers, with firewall chains,
/// per-peer rules and a UDP gateway (§5.7), and the device side that is such a peer. Each line
/// runs on a thread of its own (`TuntapRouterLoop`, `TuntapDeviceLoop`); there are no client
/// listeners, nodes or subscriptions, so none of the corerouter's services run.
struct TuntapRouterDriver: RouterKindDriver {
    var kind: RouterKind { .tuntap }

    var option: String { "--tuntap-router" }

    func checkSupported(_ spec: RouterSpec) throws(FleetRouterError) {
        if let symbol = spec.tuntap.useCredentials, !symbol.isEmpty, symbol != "true" {
            throw .unsupported(option: "--tuntap-use-credentials", reason: "a resolver symbol ('\(symbol)') is uWSGI's dlsym hook; give the option no value")
        }
        for line in spec.tuntap.routers {
            if let gateway = line.gateway, case .inet(let host, _) = gateway.endpoint, !host.isEmpty,
               TuntapAddressMatch.ipv4(host) == nil {
                throw .unsupported(option: "--tuntap-router", reason: "the gateway \(gateway.configured) must be an IPv4 ip:port")
            }
            if let gateway = line.gateway, !gateway.isInet {
                throw .unsupported(option: "--tuntap-router", reason: "the gateway \(gateway.configured) must be a UDP ip:port")
            }
        }
        if !spec.tuntap.routes.isEmpty, !spec.tuntap.routers.contains(where: { $0.gateway != nil }) {
            throw .unsupported(option: "--tuntap-router-route", reason: "routes need a gateway socket (the fourth field of --tuntap-router)")
        }
    }

    /// A tuntap router has no client listeners of the corerouter kind.
    func clientProtocol(for spec: RouterSpec) throws(FleetRouterError) -> ClientProtocol {
        throw .unsupported(option: "--tuntap-router", reason: "a tuntap router has no client listeners")
    }

    /// The machine's settings for `spec`.
    func configuration(for spec: RouterSpec, hasGateway: Bool) -> TuntapRouterStateMachine.Configuration {
        var configuration = TuntapRouterStateMachine.Configuration()
        configuration.firewallIn = spec.tuntap.firewallIn
        configuration.firewallOut = spec.tuntap.firewallOut
        configuration.routes = spec.tuntap.routes
        configuration.hasGateway = hasGateway
        configuration.maximumPeers = spec.maxConnections
        configuration.requiresCredentials = spec.tuntap.useCredentials != nil
        configuration.handshakeTimeout = .seconds(Int64(spec.timeout))
        configuration.writeTimeout = .seconds(Int64(spec.timeout))
        return configuration
    }

    func bindServices(
        of engine: RouterEngine, binder: inout FleetRouterProcess.Binder, configuration: RouterConfiguration,
        routing: any DataPlaneTransport, control: any EventLoopGroup, shutdownGrace: TimeAmount
    ) async throws -> RouterKindServices {
        let spec = engine.spec
        let registry = TuntapRouterRegistry(firewallIn: spec.tuntap.firewallIn, firewallOut: spec.tuntap.firewallOut, routes: spec.tuntap.routes)
        var services = RouterKindServices()
        for line in spec.tuntap.routers {
            let loop = try bindRouter(line, spec: spec, engine: engine, binder: &binder)
            registry.add(loop)
            services.listeners.append(TuntapRouterService(loop: loop))
            if let stats = line.stats ?? spec.tuntap.routerStats {
                let source = TuntapLineStats(engine: engine, loop: loop)
                services.control.append(try await binder.bindStatsServer(at: stats, source: source, of: engine, configuration: configuration, group: control))
            }
        }
        for line in spec.tuntap.devices {
            services.listeners.append(try bindDevice(line, spec: spec, engine: engine, binder: &binder))
        }
        engine.attach(kind: registry)
        return services
    }

    private func bindRouter(_ line: TuntapSettings.Router, spec: RouterSpec, engine: RouterEngine, binder: inout FleetRouterProcess.Binder) throws -> TuntapRouterLoop {
        let listener: CInt
        do {
            listener = try TuntapSystem.listenUnix(line.socket.endpoint, passCredentials: spec.tuntap.useCredentials != nil)
        } catch {
            throw RuntimeError.bindFailed(address: line.socket.configured, reason: error.description)
        }
        var gateway: CInt?
        var gatewayBound: String?
        let device: CInt
        do {
            device = try TuntapSystem.openDevice(line.device)
            if let address = line.gateway, case .inet(let host, let port) = address.endpoint {
                let fd = try TuntapSystem.bindUDP(host: host, port: port)
                gateway = fd
                gatewayBound = "\(host.isEmpty ? "0.0.0.0" : host):\(TuntapSystem.boundPort(fd))"
            }
        } catch {
            close(listener)
            if let gateway { close(gateway) }
            throw RuntimeError.bindFailed(address: line.device, reason: error.description)
        }
        let loop = try TuntapRouterLoop(
            device: line.device, deviceFD: device, listenerFD: listener, gatewayFD: gateway,
            configuration: configuration(for: spec, hasGateway: gateway != nil), logger: engine.logger)
        binder.recordOwned(.init(router: engine.name, role: .listener, configured: line.socket.configured, bound: line.socket.configured)) {
            loop.stop()
        }
        if let gateway = line.gateway, let gatewayBound {
            binder.recordOwned(.init(router: engine.name, role: .gateway, configured: gateway.configured, bound: gatewayBound)) {}
        }
        return loop
    }

    private func bindDevice(_ line: TuntapDeviceLine, spec: RouterSpec, engine: RouterEngine, binder: inout FleetRouterProcess.Binder) throws -> any Service {
        let device: CInt
        do {
            device = try TuntapSystem.openDevice(line.device)
        } catch {
            throw RuntimeError.bindFailed(address: line.device, reason: error.description)
        }
        guard let path = line.socket else {
            // The device-only form: the device lives as long as the process holds it.
            binder.recordOwned(.init(router: engine.name, role: .listener, configured: line.device, bound: line.device)) { close(device) }
            return TuntapHeldDeviceService(fd: device)
        }
        let socket: CInt
        do {
            socket = try TuntapSystem.connectUnix(path)
            if spec.tuntap.useCredentials != nil { try TuntapSystem.sendCredentials(socket) }
        } catch {
            close(device)
            throw RuntimeError.bindFailed(address: path, reason: error.description)
        }
        let loop = try TuntapDeviceLoop(
            device: line.device, deviceFD: device, socketFD: socket,
            machine: TuntapDeviceStateMachine(rules: spec.tuntap.deviceRules), logger: engine.logger)
        binder.recordOwned(.init(router: engine.name, role: .listener, configured: line.device, bound: path)) { loop.stop() }
        return TuntapDeviceService(loop: loop)
    }
}
