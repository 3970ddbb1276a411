import RouterWire

/// One router's whole policy state: subscription table, static nodes, cache, operator state,
/// cheap mode and counters, driven by an injected clock. A `Sendable` value: the runtime keeps
/// it behind one lock (or on one event loop) and calls these methods; nothing here does I/O.
public struct RouterState: Sendable {
    /// The options this state was built from.
    public let configuration: RoutingConfiguration
    /// The active mapper (uWSGI precedence).
    public let mapper: MapperKind
    /// Where "now" comes from.
    public let clock: any RouterClock
    /// The subscription table.
    public internal(set) var table: SubscriptionTable
    /// Static (`-to`) nodes.
    public internal(set) var staticNodes: StaticNodeList
    /// The cache mapper's store.
    public internal(set) var cache: RouteCache
    /// The operator's edits on this router (what the state file keeps).
    public internal(set) var operators: OperatorState {
        didSet { effectiveOperators = operators.layered(under: fleetIntent) }
    }
    /// The fleet-wide intent that applies to this router (from the fleet registry; never
    /// persisted here: the registry holds it).
    public internal(set) var fleetIntent = OperatorState() {
        didSet { effectiveOperators = operators.layered(under: fleetIntent) }
    }
    /// What routing obeys: the router's own edits with the fleet intent over them.
    public private(set) var effectiveOperators: OperatorState
    /// Cheap mode.
    public internal(set) var cheap: CheapModeStateMachine
    /// Router-wide counters.
    public internal(set) var counters = RouterCounters()
    private let lookup: SubscriptionLookup

    /// Creates the state; `operators` is what the runtime restored from its state file.
    public init(
        configuration: RoutingConfiguration, clock: any RouterClock, operators: OperatorState = .init()
    ) throws(RouterCoreError) {
        self.configuration = configuration
        self.mapper = MapperKind.active(for: configuration)
        self.clock = clock
        self.table = SubscriptionTable(
            tolerance: configuration.tolerance, defaultAlgorithm: configuration.algorithm, limits: configuration.limits)
        self.staticNodes = try StaticNodeList(addresses: configuration.staticNodes, gracetime: configuration.gracetime)
        self.cache = RouteCache()
        self.operators = operators
        self.effectiveOperators = operators
        self.cheap = CheapModeStateMachine(
            configured: configuration.cheap, hasFallbacks: !configuration.fallbacks.isEmpty,
            mode: operators.cheapMode, tableIsEmpty: true)
        self.lookup = SubscriptionLookup(
            dotsplit: configuration.dotsplit, fallbackKey: configuration.fallbackKey,
            mountpoints: (configuration.mountpoints ?? 0) > 0)
        _ = staticNodes.applyOperators(effectiveOperators)
    }

    /// Whether the listeners should be paused now.
    public var isCheap: Bool { cheap.isCheap }

    // MARK: - Subscriptions

    /// Applies a subscription datagram; invalid ones are counted and refused with a typed error.
    /// `requireStamp`: the packet was signed, so its `unix` stamp must be new for its node.
    public mutating func apply(_ packet: SubscriptionPacket, requireStamp: Bool = false) throws(RouterCoreError) -> [RouterEvent] {
        var events: [RouterEvent]
        do {
            events = try table.apply(packet, now: clock.now(), operators: effectiveOperators, requireStamp: requireStamp)
        } catch {
            counters.rejectedPackets &+= 1
            throw error
        }
        switch packet.command {
        case .subscribe: Self.append(cheap.subscriptionAdded(), to: &events)
        case .unsubscribe: if table.isEmpty { Self.append(cheap.tableEmptied(by: .unsubscribe), to: &events) }
        }
        return events
    }

    /// Refreshes a known node from a re-announce read in place, as `apply` does with the
    /// decoded packet (unsigned: a signed packet is applied decoded, for its stamp), and
    /// returns its `nodeRefreshed` event; a cheap-mode change it causes follows that event and
    /// is appended to `events`. Nil, changing nothing, when the key or node is unknown. No
    /// array is made for the one event: this runs once per re-announce.
    public mutating func refresh(
        key: RouteKey, address: String, with announce: SubscriptionRefresh, events: inout [RouterEvent]
    ) -> RouterEvent? {
        guard let event = table.refresh(key: key, address: address, with: announce, now: clock.now()) else { return nil }
        Self.append(cheap.subscriptionAdded(), to: &events)
        return event
    }

    /// Sweeps the table for nodes past the tolerance (the runtime calls this on a timer).
    public mutating func expire() -> [RouterEvent] {
        let hadSlots = !table.isEmpty
        var events = table.expire(now: clock.now())
        if hadSlots && table.isEmpty { Self.append(cheap.tableEmptied(by: .lookup), to: &events) }
        return events
    }

    /// One bounded step of the expiry sweep (see `SubscriptionTable.expireStep`); the runtime
    /// calls it until the cursor finishes, releasing its lock between steps.
    public mutating func expireStep(cursor: inout ExpiryCursor) -> [RouterEvent] {
        let hadSlots = !table.isEmpty
        var events = table.expireStep(now: clock.now(), cursor: &cursor)
        if hadSlots && table.isEmpty { Self.append(cheap.tableEmptied(by: .lookup), to: &events) }
        return events
    }

    /// Death-marks every subscription node; unheld ones leave at once.
    public mutating func clearSubscriptions() -> [RouterEvent] {
        var events = table.clear()
        if table.isEmpty { Self.append(cheap.tableEmptied(by: .clear), to: &events) }
        return events
    }

    // MARK: - Routing

    /// Runs the active mapper for `key`; a returned subscription or static target holds a
    /// reference until `release` (or `connectFailed`). Events (expiry, cheap) go to `events`.
    /// `resolved`: the code mapper's answer for `key` when the runtime resolved it already
    /// (`RoutingConfiguration.codeMapper`); nil asks `codeResolver`, if any.
    public mutating func route(
        key: RouteKey, client: ClientAddress?, resolved: NodeAddress? = nil, events: inout [RouterEvent]
    ) -> RouteTarget? {
        counters.lookups &+= 1
        let now = clock.now()
        switch mapper {
        case .cache:
            let found = configuration.cacheLookup.map { $0.resolve(key: key) } ?? cache.lookup(key)
            return found.map { RouteTarget(address: $0.address, modifier1: $0.modifier1, origin: .computed) }
        case .pattern(let pattern):
            return RouteTarget(address: KeyPattern.expand(pattern, key: key), origin: .computed)
        case .subscription:
            let target = lookup.pick(key: key, client: client, table: &table, now: now, events: &events)
            if target == nil && table.isEmpty {
                Self.append(cheap.tableEmptied(by: .lookup), to: &events)
            }
            return target
        case .base(let prefix):
            return RouteTarget(address: KeyPattern.base(prefix, key: key), origin: .computed)
        case .code:
            return (resolved ?? configuration.codeResolver?.resolve(key: key)).map {
                RouteTarget(address: $0.address, modifier1: $0.modifier1, origin: .computed)
            }
        case .staticNodes:
            return staticNodes.pick(now: now, events: &events).map {
                RouteTarget(address: staticNodes.nodes[$0].address, origin: .staticNode)
            }
        case .socket, .none:
            return nil
        }
    }

    /// The n-th fallback address as a target, if the list is that long.
    public func fallbackTarget(index: Int) -> RouteTarget? {
        guard configuration.fallbacks.indices.contains(index) else { return nil }
        return RouteTarget(address: configuration.fallbacks[index], origin: .fallback(index: index))
    }

    /// The connect to `target` succeeded: counts requests (subscription) or hits (static).
    public mutating func connected(to target: RouteTarget) {
        counters.connects &+= 1
        switch target.origin {
        case .subscription(let key): table.recordConnect(key: key, address: target.address)
        case .staticNode: staticNodes.recordConnect(target.address)
        case .fallback, .computed: break
        }
    }

    /// The connect to `target` failed: death mark (subscription) or grace (static), then the
    /// session's reference is dropped. Cheap mode may be entered when the table empties.
    public mutating func connectFailed(_ target: RouteTarget) -> [RouterEvent] {
        counters.connectFailures &+= 1
        var events: [RouterEvent] = []
        switch target.origin {
        case .subscription(let key):
            events += table.markFailed(key: key, address: target.address, reason: .connectFailed)
            events += table.release(key: key, address: target.address)
            if table.isEmpty { Self.append(cheap.tableEmptied(by: .backendFailure), to: &events) }
        case .staticNode:
            events += staticNodes.markFailed(target.address, now: clock.now())
            events += staticNodes.release(target.address)
        case .fallback, .computed:
            break
        }
        return events
    }

    /// A session let go of `target` (closed, finished or failed after connect, which never
    /// marks the node); traffic is added to the node's counters.
    public mutating func release(_ target: RouteTarget, tx: UInt64 = 0, rx: UInt64 = 0) -> [RouterEvent] {
        switch target.origin {
        case .subscription(let key): return table.release(key: key, address: target.address, tx: tx, rx: rx)
        case .staticNode: return staticNodes.release(target.address, tx: tx, rx: rx)
        case .fallback, .computed: return []
        }
    }

    /// Appends the event of a cheap-mode change, if any. Static: an argument that changes `cheap`
    /// would otherwise make the call copy the whole state (a retain and release of every field).
    static func append(_ action: CheapModeStateMachine.Action, to events: inout [RouterEvent]) {
        switch action {
        case .none: break
        case .enterCheap: events.append(.cheapEntered)
        case .leaveCheap: events.append(.cheapLeft)
        }
    }
}
