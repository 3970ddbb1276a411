import RouterConfig
import RouterCore

extension RoutingConfiguration {
    /// The policy options of one router: its spec plus the process-wide subscription options.
    /// `-use-socket` is refused; the code forwarders run in the runtime (`CodeForwarder`); the
    /// kind's driver adds its own policy.
    init(spec: RouterSpec, global: RouterConfiguration) throws(FleetRouterError) {
        self.init()
        let prefix = "--\(spec.kind.prefix)"
        if spec.useSocket != nil {
            throw .unsupported(option: "\(prefix)-use-socket", reason: "it names the instance's own uwsgi socket N, and a fleetrouter serves no application and binds no uwsgi socket of its own; use -to ADDR for the node")
        }
        subscriptionServer = !spec.subscriptionServers.isEmpty
        tolerance = .seconds(global.subscriptionTolerance)
        limits = SubscriptionLimits(
            maximumKeys: global.subscriptionMaxKeys, maximumNodesPerKey: global.subscriptionMaxNodesPerKey)
        algorithm = BalancingAlgorithm(rawValue: global.subscriptionAlgorithm.rawValue) ?? .wrr
        dotsplit = global.subscriptionDotsplit
        mountpoints = global.subscriptionMountpoints > 0 ? global.subscriptionMountpoints : nil
        fallbackKey = spec.subscriptionFallbackKey.map { RouteKey($0) }
        staticNodes = spec.staticNodes.map(\.configured)
        gracetime = .seconds(spec.gracetime)
        useBase = spec.useBase
        usePattern = spec.usePattern
        useCache = spec.useCache != nil
        codeMapper = spec.useCodeString != nil || spec.useCodeSocket != nil || spec.useCodeResolver != nil
        fallbacks = spec.fallback.map(\.configured)
        maxRetries = spec.maxRetries
        cheap = spec.cheap
        spec.kind.driver.configureRouting(&self, for: spec)
    }
}
