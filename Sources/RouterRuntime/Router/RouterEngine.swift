import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCore
import RouterWire

/// One router of a fleetrouter process (one per `RouterSpec`): RouterCore's `RouterState`, one
/// replica per worker of the router's transport, each with the routing sessions its worker
/// leases and the nodes' addresses parsed once (`NodeEndpointTable`), and the listeners cheap
/// mode pauses.
///
/// It is the integration of the runtime's seams: `RoutingPolicy` for the data plane
/// (`RouterEngine+Routing.swift`), `SubscriptionSink` for the subscription server,
/// `StatsSource` for the stats server (`RouterEngine+Stats.swift`) and the operator edits the
/// admin API applies (`RouterEngine+Operator.swift`). Every call holds a lock only for the
/// RouterCore call itself; logging and listener changes happen after it is released.
///
/// ## Routing without a lock shared across workers
///
/// Each worker routes on its own replica of the routing state, behind its own lock: a request
/// (route, connected, finished) takes only its worker's lock, which no other worker takes, so
/// it is never contended by routing elsewhere. The control side (subscription datagrams, the
/// expiry sweep, operator edits, the state file) applies every change to each replica in
/// turn, replica 0 first; its result and events are replica 0's. A failed connect death-marks
/// the node in the worker's replica, then in every other one (`RouterState.markFailed`), so
/// no worker keeps sending to a node another found dead. Reads that need the router as a
/// whole (`withState`, `counters`, stats) fold the replicas (`RouterState.folding`): counters,
/// hits, traffic and references add up; marks and weights agree.
///
/// What is per worker: leases (the worker's index is in the lease's bits, so `connected`,
/// `connectFailed` and `finished` find the replica without being told), balancer credit
/// (smooth wrr interleaves each worker's requests by weight, so the whole router's share per
/// node is exact up to one round per worker), lrc's in-flight counts (each worker balances its
/// own sessions), the computed mappers' parsed addresses, and the removal of a dead node
/// (when the last of that worker's sessions lets it go). With one worker (the default) this is
/// exactly the single locked state it replaces.
///
/// Why replicas, not an immutable snapshot swapped atomically with per-worker bookkeeping
/// beside it: RouterCore's routing mutates its state on every request (references, credit,
/// hits, lazy expiry, a static node's grace, cheap mode on an emptied table), so a snapshot
/// would need a second implementation of the mappers, lookups and balancers over snapshot
/// nodes, with per-worker side tables keyed by node. Replicas keep one implementation, the one
/// RouterCore's tests cover, and cost the control side one application per worker, on changes
/// that come every few seconds per node, not per request. The hot path takes the same
/// uncontended lock as before, reached without a retain (`hotReplicas`): callgrind counts
/// no more instructions per HTTP request than with the single locked state.
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
    /// The keys that have a `key` label of their own in the request-duration histogram, in
    /// the order they got it; never shrinks, so no key's series moves (`requestLatency()`).
    let latencyKeyLabels = NIOLockedValueBox<[String]>([])
    let logger: Logger
    let pid: Int
    /// Subscription events are logged at this level (`debug` with `-quiet`).
    let eventLevel: Logger.Level
    /// `--fastrouter-force-key`: every request uses this key.
    let forcedKey: RouteKey?
    /// The routing state, one replica per worker of the transport (`sessions.workers`), each
    /// behind its own lock.
    let replicas: [Replica]
    /// `replicas` unretained, for the data plane's calls: reaching a replica from an array
    /// would retain and release it on each call (about 120 instructions per request);
    /// `replicas` keeps them alive as long as the engine.
    let hotReplicas: [Unmanaged<Replica>]
    /// What the router trusts of subscription datagrams.
    let trust: SubscriptionTrust
    /// `-resubscribe`: where accepted subscription packets are sent on.
    let resubscriber: Resubscriber?
    /// Node addresses resolved off the data plane.
    let resolver: NodeResolver
    /// The code forwarder (`-use-code-string`, `-use-code-socket`, `-use-code-resolver`), when
    /// it is the active mapper.
    public let codeForwarder: CodeForwarder?
    private let attached = NIOLockedValueBox<Attachments>(Attachments())

    /// One worker's replica: the policy state, the worker's routing sessions in flight and the
    /// nodes' parsed addresses.
    struct Core {
        var state: RouterState
        var leases = LeaseTable()
        var endpoints = NodeEndpointTable()
        /// The worker's request durations, folded into the latency histograms at scrape.
        var latency = RequestLatency()
        /// The key of the worker's last routed request (`RouteKey.reused(for:)`).
        var lastKey = RouteKey(bytes: [])
        /// The key of the last re-announce taken in place, rewritten in place for the next
        /// (`RouteKey.assign(_:)`), so a lookup by key allocates nothing.
        var subscriptionKey = RouteKey(bytes: [])
    }

    /// One worker's replica behind its own lock.
    final class Replica: Sendable {
        /// The replica, locked by its worker for each request and by the control side for
        /// each change.
        let core: NIOLockedValueBox<Core>

        init(_ core: Core) {
            self.core = NIOLockedValueBox(core)
        }
    }

    /// Worker 0's replica: the one control-side results come from (and tests read).
    var core: NIOLockedValueBox<Core> { replicas[0].core }

    /// What the process attaches after binding.
    struct Attachments {
        var listeners: [any ListenerControl] = []
        /// The listeners' connection caps, kept after `detachListeners()` for the counts.
        var listenerLimits: [ConnectionLimit] = []
        var subscriptionCounters: [SubscriptionCounters] = []
        var statsLimits: [ConnectionLimit] = []
        var observers: [UInt64: AsyncStream<RouterEvent>.Continuation] = [:]
        var nextObserver: UInt64 = 0
        var kind: (any RouterKindAttachment)?
        /// Whether the router was cheap at the last cheap event published: replicas report
        /// their own cheap changes, the router publishes one event per change of the whole.
        var cheap = false
    }

    /// Builds the router's state from its spec and the process-wide options, restoring
    /// `operators` (from the state file). Throws a `FleetRouterError` naming a bad option.
    public init(
        spec: RouterSpec,
        global: RouterConfiguration,
        operators: OperatorState = OperatorState(),
        caches: [RouteCacheStore] = [],
        codeResolvers: [String: any CodeResolver] = [:],
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
        var configuration = try RoutingConfiguration(spec: spec, global: global)
        if let name = spec.useCache {
            // The validator checked the name; `""` is the first cache, as uWSGI's default.
            guard let store = name.isEmpty ? caches.first : caches.first(where: { $0.name == name }) else {
                throw .invalidRouter(router: spec.kind.rawValue, reason: "--\(spec.kind.prefix)-use-cache \(name): no such cache (add --cache2 name=\(name.isEmpty ? "NAME" : name),items=N)")
            }
            configuration.cacheLookup = store
        }
        self.trust = try SubscriptionTrust(configuration: global)
        self.resubscriber = try Resubscriber.make(spec: spec, logger: logger)
        let resolver = NodeResolver(logger: logger)
        self.resolver = resolver
        let state: RouterState
        do {
            state = try RouterState(configuration: configuration, clock: clock, operators: operators)
        } catch {
            throw .invalidRouter(router: spec.kind.rawValue, reason: error.description)
        }
        // The last step that can refuse the start: its resolver's threads start with it, and
        // nothing after it throws, so a refused start leaves none running.
        self.codeForwarder = MapperKind.active(for: configuration) == .code
            ? try CodeForwarder.make(spec: spec, registered: codeResolvers, logger: logger) : nil
        var core = Core(state: state)
        // Configured nodes are parsed once here; host names are resolved before the first
        // request needs them.
        for address in configuration.staticNodes + configuration.fallbacks {
            if let endpoint = resolver.prepare(address) { core.endpoints.insert(endpoint) }
        }
        let workers = min(max(1, sessions.workers.count), LeaseTable.maximumWorkers)
        self.replicas = (0..<workers).map { worker in
            var replica = core
            replica.leases = LeaseTable(worker: worker)
            return Replica(replica)
        }
        self.hotReplicas = replicas.map { Unmanaged.passUnretained($0) }
        attached.withLockedValue { $0.cheap = state.isCheap }
        var listed = spec.listeners.map(\.address.configured)
        listed += spec.subscriptionServers.map(\.configured)
        self.identity = StatsIdentity(
            version: "fleetrouter \(FleetRouterVersion.current)",
            pid: UInt64(ProcessIdentity.pid), uid: UInt64(ProcessIdentity.uid), gid: UInt64(ProcessIdentity.gid),
            cwd: ProcessIdentity.currentDirectory(),
            routerName: spec.kind.rawValue, listeners: listed, kind: spec.kind.rawValue,
            admin: global.admin?.configured, adminRouter: spec.kind.rawValue)
    }

    /// True while the router is cheap (its listeners do not accept): every replica's table is
    /// empty, or the operator forced it.
    public var isCheap: Bool { replicas.allSatisfy { $0.core.withLockedValue { $0.state.isCheap } } }

    /// A copy of the operator's edits in force.
    public var operators: OperatorState { core.withLockedValue { $0.state.operators } }

    /// Router-wide counters (connects, failures, retries, refusals), summed over the workers.
    public var counters: RouterCounters { foldedState().counters }

    /// Runs `body` on the router state as a whole: the replicas folded (see `foldedState`).
    public func withState<T>(_ body: (RouterState) throws -> T) rethrows -> T {
        try body(foldedState())
    }

    /// The router state as a whole: worker 0's replica with every other worker's counters,
    /// hits, traffic and references added (`RouterState.folding`). Each replica is read under
    /// its own lock, one after the other.
    func foldedState() -> RouterState {
        let first = replicas[0].core.withLockedValue { $0.state }
        guard replicas.count > 1 else { return first }
        return first.folding(replicas.dropFirst().map { replica in replica.core.withLockedValue { $0.state } })
    }

    /// Applies a control-side change to every replica, worker 0's first, and returns worker
    /// 0's result. When it throws there, no other replica is changed; another replica refusing
    /// what worker 0 accepted (a node only that replica already let go) is ignored.
    func everyReplica<T, Failure: Error>(_ body: (inout Core) throws(Failure) -> T) throws(Failure) -> T {
        try everyReplica(each: CollectionOfOne(())) { core, _ throws(Failure) -> T in try body(&core) }[0].get()
    }

    /// `everyReplica` for a batch of changes, in order, with each replica's lock taken once for
    /// the whole batch: worker 0's result per item stands, and the other replicas take only the
    /// items worker 0 took.
    func everyReplica<Items: Collection, T, Failure: Error>(
        each items: Items, _ body: (inout Core, Items.Element) throws(Failure) -> T
    ) -> [Result<T, Failure>] {
        let results: [Result<T, Failure>] = replicas[0].core.withLockedValue { core in
            items.map { item in Result { () throws(Failure) -> T in try body(&core, item) } }
        }
        for replica in replicas.dropFirst() {
            replica.core.withLockedValue { core in
                for (item, result) in zip(items, results) {
                    if case .success = result { _ = try? body(&core, item) }
                }
            }
        }
        return results
    }

    /// Hands the bound listeners to the engine, so cheap mode can pause and resume them.
    public func attach(listeners: [any ListenerControl]) {
        attached.withLockedValue {
            $0.listeners += listeners
            $0.listenerLimits += listeners.map(\.limit)
        }
        applyCheapMode()
    }

    /// Lets go of the listeners once they are stopped. A listener's data plane holds the
    /// engine as its routing policy, so engine and listeners would otherwise keep each other
    /// (and the transport's loops and buffers) alive after shutdown.
    public func detachListeners() {
        attached.withLockedValue { $0.listeners = [] }
    }

    /// Hands the engine what its kind's driver adds to the stats and the admin edits.
    func attach(kind: any RouterKindAttachment) {
        attached.withLockedValue { $0.kind = kind }
    }

    /// What the kind's driver attached, if anything.
    var kindAttachment: (any RouterKindAttachment)? { attached.withLockedValue { $0.kind } }

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
            (attachments.listenerLimits.reduce(0) { $0 &+ $1.refused },
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

    /// Whether an `events()` stream is open.
    var hasEventObservers: Bool { attached.withLockedValue { !$0.observers.isEmpty } }

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
        for (worker, replica) in replicas.enumerated() {
            var cursor = ExpiryCursor()
            while !cursor.isFinished {
                let events = replica.core.withLockedValue { $0.state.expireStep(cursor: &cursor) }
                // Every replica expires the same nodes; worker 0's events speak for them all.
                publish(worker == 0 ? events : [], settlingCheap: !events.isEmpty)
            }
        }
    }

    /// Logs `events` the way uWSGI does and, when cheap mode changed, pauses or resumes the
    /// listeners.
    ///
    /// A replica's own cheap events are replaced by the router's: one `cheapEntered` when every
    /// replica is cheap, one `cheapLeft` when one stops being so, appended after the rest.
    /// `settlingCheap` checks for such a change even without a cheap event among `events`
    /// (after a change applied to other replicas whose events are not published).
    @inline(__always)
    func publish(_ events: [RouterEvent], settlingCheap: Bool = false) {
        // Most requests publish nothing: no call for them.
        guard !events.isEmpty || settlingCheap else { return }
        publishNow(events, settlingCheap: settlingCheap)
    }

    private func publishNow(_ events: [RouterEvent], settlingCheap: Bool) {
        var settle = settlingCheap
        var events = events
        events.removeAll { event in
            switch event {
            case .cheapEntered, .cheapLeft:
                settle = true
                return true
            default:
                return false
            }
        }
        if settle, let change = settleCheap() { events.append(change) }
        guard !events.isEmpty else { return }
        var cheapChanged = false
        let kind = kindAttachment
        // Asked once: a batch of re-announces is hundreds of debug lines nobody keeps.
        let logsDebug = logger.logLevel <= .debug
        for event in events {
            if case .slotRemoved(let key) = event { kind?.slotChanged(.removed(key: key)) }
            switch event {
            case .cheapEntered, .cheapLeft:
                cheapChanged = true
                logger.log(level: .notice, "\(event.logLine(pid: pid))")
            case .nodeRefreshed(_, _, revived: false):
                // uWSGI is silent on re-announces; one line per datagram would make the log the
                // subscription server's bottleneck (a node re-announces every few seconds).
                if logsDebug { logger.log(level: .debug, "\(event.logLine(pid: pid))") }
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

    /// The router's cheap event when the whole router's cheap state differs from the last one
    /// published (which it then becomes), else nil.
    private func settleCheap() -> RouterEvent? {
        attached.withLockedValue { attachments -> RouterEvent? in
            let cheap = isCheap
            guard cheap != attachments.cheap else { return nil }
            attachments.cheap = cheap
            return cheap ? .cheapEntered : .cheapLeft
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
