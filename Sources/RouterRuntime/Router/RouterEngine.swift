import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCore
import RouterWire

/// One router of a fleetrouter process (one per `RouterSpec`): RouterCore's `RouterState`
/// behind a lock, with the per-attempt routing sessions the data plane leases, the nodes'
/// addresses parsed once (`NodeEndpointTable`) and the listeners cheap mode pauses.
///
/// It is the integration of the runtime's seams: `RoutingPolicy` for the data plane
/// (`RouterEngine+Routing.swift`), `SubscriptionSink` for the subscription server,
/// `StatsSource` for the stats server (`RouterEngine+Stats.swift`) and the operator edits the
/// admin API applies (`RouterEngine+Operator.swift`). Every call holds the lock only for the
/// RouterCore call itself; logging and listener changes happen after it is released.
public final class RouterEngine: Sendable {
    /// The router's configuration.
    public let spec: RouterSpec
    /// The name the stats document publishes the listeners under and the state file uses:
    /// `http`, `fastrouter` or `rawrouter`.
    public let name: String
    /// The router's recent client sessions (shared with its data plane).
    public let sessions: SessionTable
    /// Fixed parts of the stats document.
    let identity: StatsIdentity
    /// The admin API's bound address (`--admin 127.0.0.1:0` resolved to its port), published in
    /// the stats instead of the configured one; nil until the admin API is bound.
    let boundAdmin = NIOLockedValueBox<String?>(nil)
    let logger: Logger
    let pid: Int
    /// Subscription events are logged at this level (`debug` with `-quiet`).
    let eventLevel: Logger.Level
    /// `--fastrouter-force-key`: every request uses this key.
    let forcedKey: RouteKey?
    let core: NIOLockedValueBox<Core>
    /// What the router trusts of subscription datagrams.
    let trust: SubscriptionTrust
    /// Node addresses resolved off the data plane.
    let resolver: NodeResolver
    private let attached = NIOLockedValueBox<Attachments>(Attachments())

    /// The lock-protected part: the policy state, the routing sessions in flight and the
    /// nodes' parsed addresses.
    struct Core {
        var state: RouterState
        var leases = LeaseTable()
        var endpoints = NodeEndpointTable()
    }

    /// What the process attaches after binding.
    struct Attachments {
        var listeners: [any ListenerControl] = []
        var subscriptionCounters: [SubscriptionCounters] = []
        var statsLimits: [ConnectionLimit] = []
        var observers: [UInt64: AsyncStream<RouterEvent>.Continuation] = [:]
        var nextObserver: UInt64 = 0
    }

    /// Builds the router's state from its spec and the process-wide options, restoring
    /// `operators` (from the state file). Throws a `FleetRouterError` naming a bad option.
    public init(
        spec: RouterSpec,
        global: RouterConfiguration,
        operators: OperatorState = OperatorState(),
        sessions: SessionTable,
        clock: any RouterClock = SystemRouterClock(),
        logger: Logger
    ) throws(FleetRouterError) {
        self.spec = spec
        self.name = spec.kind.rawValue
        self.sessions = sessions
        self.pid = Int(ProcessIdentity.pid)
        var logger = logger
        logger[metadataKey: "router"] = "\(spec.kind.rawValue)"
        self.logger = logger
        self.eventLevel = spec.quiet ? .debug : .info
        self.forcedKey = spec.kind.driver.forcedKey(for: spec)
        let configuration = try RoutingConfiguration(spec: spec, global: global)
        self.trust = try SubscriptionTrust(configuration: global)
        let resolver = NodeResolver(logger: logger)
        self.resolver = resolver
        let state: RouterState
        do {
            state = try RouterState(configuration: configuration, clock: clock, operators: operators)
        } catch {
            throw .invalidRouter(router: spec.kind.rawValue, reason: error.description)
        }
        var core = Core(state: state)
        // Configured nodes are parsed once here; host names are resolved before the first
        // request needs them.
        for address in configuration.staticNodes + configuration.fallbacks {
            if let endpoint = resolver.prepare(address) { core.endpoints.insert(endpoint) }
        }
        self.core = NIOLockedValueBox(core)
        var listed = spec.listeners.map(\.address.configured)
        listed += spec.subscriptionServers.map(\.configured)
        self.identity = StatsIdentity(
            version: "fleetrouter \(FleetRouterVersion.current)",
            pid: UInt64(ProcessIdentity.pid), uid: UInt64(ProcessIdentity.uid), gid: UInt64(ProcessIdentity.gid),
            cwd: ProcessIdentity.currentDirectory(),
            routerName: spec.kind.rawValue, listeners: listed, kind: spec.kind.rawValue,
            admin: global.admin?.configured, adminRouter: spec.kind.rawValue)
    }

    /// True while the router is cheap (its listeners do not accept).
    public var isCheap: Bool { core.withLockedValue { $0.state.isCheap } }

    /// A copy of the operator's edits in force.
    public var operators: OperatorState { core.withLockedValue { $0.state.operators } }

    /// Router-wide counters (connects, failures, retries, refusals).
    public var counters: RouterCounters { core.withLockedValue { $0.state.counters } }

    /// Runs `body` on the router state under the lock (for reads that need a consistent view).
    public func withState<T>(_ body: (RouterState) throws -> T) rethrows -> T {
        try core.withLockedValue { try body($0.state) }
    }

    /// Hands the bound listeners to the engine, so cheap mode can pause and resume them.
    public func attach(listeners: [any ListenerControl]) {
        attached.withLockedValue { $0.listeners += listeners }
        applyCheapMode()
    }

    /// Hands the subscription server's counters to the engine, for `/metrics`.
    public func attach(subscriptionCounters: SubscriptionCounters) {
        attached.withLockedValue { $0.subscriptionCounters.append(subscriptionCounters) }
    }

    /// Hands the stats server's connection cap to the engine, for stats and `/metrics`.
    public func attach(statsLimit: ConnectionLimit) {
        attached.withLockedValue { $0.statsLimits.append(statsLimit) }
    }

    /// Clients closed at accept over a connection cap: on the router's listeners (`data`) and
    /// on its stats server (`stats`).
    public var refusedConnections: (data: UInt64, stats: UInt64) {
        attached.withLockedValue { attachments in
            (attachments.listeners.reduce(0) { $0 &+ $1.limit.refused },
             attachments.statsLimits.reduce(0) { $0 &+ $1.refused })
        }
    }

    /// Datagram counts summed over the router's subscription servers.
    public var subscriptionCounts: SubscriptionCounters.Snapshot {
        attached.withLockedValue { attachments in
            attachments.subscriptionCounters.reduce(into: SubscriptionCounters.Snapshot()) { sum, counters in
                sum.add(counters.snapshot)
            }
        }
    }

    /// The stats document's `subscription_drops`: every drop reason with its count (zeros
    /// included, as in `/metrics`), or nil when no subscription server is attached.
    public var subscriptionDrops: [String: UInt64]? {
        let servers = attached.withLockedValue { $0.subscriptionCounters }
        guard !servers.isEmpty else { return nil }
        let dropped = servers.reduce(into: SubscriptionCounters.Snapshot()) { $0.add($1.snapshot) }.dropped
        var drops: [String: UInt64] = [:]
        for reason in SubscriptionDropReason.allCases {
            drops[reason.rawValue] = UInt64(dropped[reason] ?? 0)
        }
        return drops
    }

    /// Every event the router publishes from now on (subscriptions, expiry, drains, cheap
    /// mode), for tests and tools that wait for a change instead of polling.
    public func events() -> AsyncStream<RouterEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RouterEvent.self)
        let id = attached.withLockedValue { attachments -> UInt64 in
            attachments.nextObserver += 1
            attachments.observers[attachments.nextObserver] = continuation
            return attachments.nextObserver
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.attached.withLockedValue { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sweeps the subscription table for nodes past the tolerance; called every second.
    /// The routing lock is taken for one bounded step at a time (about a thousand nodes), so
    /// requests are never held up for a sweep of the whole table.
    public func expire() {
        var cursor = ExpiryCursor()
        while !cursor.isFinished {
            let events = core.withLockedValue { $0.state.expireStep(cursor: &cursor) }
            publish(events)
        }
    }

    /// Logs `events` the way uWSGI does and, when cheap mode changed, pauses or resumes the
    /// listeners.
    func publish(_ events: [RouterEvent]) {
        guard !events.isEmpty else { return }
        var cheapChanged = false
        for event in events {
            switch event {
            case .cheapEntered, .cheapLeft:
                cheapChanged = true
                logger.log(level: .notice, "\(event.logLine(pid: pid))")
            case .nodeRefreshed(_, _, revived: false):
                // uWSGI is silent on re-announces; one line per datagram would make the log the
                // subscription server's bottleneck (a node re-announces every few seconds).
                logger.log(level: .debug, "\(event.logLine(pid: pid))")
            case .nodeMarkedFailed(_, _, .connectFailed), .staticNodeFailed:
                // The data plane already logged the failed connect (unless quiet).
                logger.log(level: .debug, "\(event.logLine(pid: pid))")
            default:
                logger.log(level: eventLevel, "\(event.logLine(pid: pid))")
            }
        }
        if cheapChanged { applyCheapMode() }
        let observers = attached.withLockedValue { Array($0.observers.values) }
        for observer in observers {
            for event in events { observer.yield(event) }
        }
    }

    /// Makes the listeners follow the current cheap state. It reads the state afresh rather
    /// than trusting the event, so concurrent changes settle on the latest one.
    func applyCheapMode() {
        let cheap = isCheap
        let listeners = attached.withLockedValue { $0.listeners }
        for listener in listeners { listener.setAccepting(!cheap) }
    }
}
