import CNIOLinux
import NIOConcurrencyHelpers
import NIOCore
import RouterCore

#if canImport(Glibc)
import Glibc
#endif

extension RouterEngine: RoutingPolicy {
    /// Starts a routing session for one request on worker 0 (callers that do not run on a
    /// transport's worker: tests, tools).
    public func route(key: ByteBuffer, clientAddress: SocketAddress?) -> RouteDecision {
        route(key: key, clientAddress: clientAddress, worker: 0)
    }

    /// Starts a routing session for one request on `worker`'s replica: RouterCore picks the
    /// node (or gives up), the session is kept under a new lease of that worker until the data
    /// plane finishes it. A worker outside the transport's list routes on worker 0's replica.
    public func route(key: ByteBuffer, clientAddress: SocketAddress?, worker: Int) -> RouteDecision {
        let client = clientAddress.map(ClientAddress.init(socketAddress:))
        let replica = worker >= 0 && worker < hotReplicas.count ? worker : 0
        guard let code = codeForwarder else {
            // The key is made under the replica's lock, from its last key when the bytes match.
            return route(forcedKey, bytes: key, client: client, replica: replica, resolved: nil)
        }
        let routeKey = forcedKey ?? RouteKey(bytes: Array(key.readableBytesView))
        guard routeKey.count > 0 else {
            return route(routeKey, client: client, replica: replica, resolved: nil)
        }
        // The code forwarder answers from its cache now, or later from its resolver's thread:
        // the data plane then waits on a pending route, its loop free for other clients.
        let pending = PendingRoute()
        let now = code.lookup(routeKey) { [self] outcome in
            pending.decide(route(routeKey, client: client, replica: replica, outcome: outcome))
        }
        guard let now else { return .pending(pending) }
        return route(routeKey, client: client, replica: replica, outcome: now)
    }

    /// Routes on the code forwarder's outcome for the key: its node (or none), or a refusal.
    private func route(
        _ routeKey: RouteKey, client: ClientAddress?, replica: Int, outcome: Result<NodeAddress?, CodeResolverError>
    ) -> RouteDecision {
        switch outcome {
        case .failure:
            return .refused(.resolverFailed)
        case .success(nil):
            return route(routeKey, client: client, replica: replica, resolved: nil)
        case .success(let node?):
            return route(routeKey, client: client, replica: replica, resolved: node)
        }
    }

    /// Starts a routing session on `replica`'s state, with the code mapper's answer if any.
    private func route(_ routeKey: RouteKey, client: ClientAddress?, replica: Int, resolved: NodeAddress?) -> RouteDecision {
        route(routeKey, bytes: ByteBuffer(), client: client, replica: replica, resolved: resolved)
    }

    /// Starts a routing session on `replica`'s state for `routeKey`, or, when it is nil, for
    /// the key whose bytes are `bytes` (the replica's last key when they are the same).
    private func route(
        _ routeKey: RouteKey?, bytes: ByteBuffer, client: ClientAddress?, replica: Int, resolved: NodeAddress?
    ) -> RouteDecision {
        var events: [RouterEvent] = []
        let (lease, attempt) = withReplica(replica) { core -> (UInt64, Attempt) in
            let routeKey = routeKey ?? core.lastKey.reused(for: bytes)
            var machine = RoutingSessionStateMachine()
            let action = machine.keyReceived(routeKey, client: client, resolved: resolved, router: &core.state, events: &events)
            guard case .connect = action else { return (0, Attempt(action: action)) }
            let started = NIODeadline.now().uptimeNanoseconds
            return (core.leases.insert(machine, started: started), Attempt(action: action, endpoints: core.endpoints))
        }
        publish(events)
        return decide(attempt, lease: lease)
    }

    /// The leased attempt failed to connect: RouterCore marks the node and picks the retry
    /// (another node or a fallback) or gives up. The session keeps its lease across retries.
    public func connectFailed(_ lease: RouteLease, error: any Error) -> RouteDecision {
        let attempt = failAttempt(lease.rawValue)
        return decide(attempt, lease: lease.rawValue)
    }

    /// The leased attempt connected: counted; only a close before any response byte retries.
    public func connected(_ lease: RouteLease) {
        guard let replica = replica(of: lease.rawValue) else { return }
        withReplica(replica) { core in
            _ = core.leases.modify(lease.rawValue, with: &core.state) { $0.connected(router: &$1) }
        }
    }

    /// The session is over: the node is released, the traffic added to its counters and the
    /// request's duration (from its routing decision) to the worker's latency buckets.
    public func finished(_ lease: RouteLease, bytesFromNode: UInt64, bytesToNode: UInt64) {
        guard let replica = replica(of: lease.rawValue) else { return }
        var events: [RouterEvent] = []
        let now = NIODeadline.now().uptimeNanoseconds
        withReplica(replica) { core in
            guard let removed = core.leases.removeWithStart(lease.rawValue) else { return }
            var machine = removed.machine
            core.latency.record(now >= removed.started ? now - removed.started : 0, key: machine.subscriptionKey)
            machine.closed(tx: bytesFromNode, rx: bytesToNode, router: &core.state, events: &events)
        }
        publish(events)
    }

    /// The index of the replica whose worker issued `lease`; nil for a lease no worker issued.
    private func replica(of lease: UInt64) -> Int? {
        let worker = LeaseTable.worker(of: lease)
        return worker < hotReplicas.count ? worker : nil
    }

    /// Runs `body` on replica `index` under its lock, reaching the box through `hotReplicas`
    /// (no retain and release of it per call).
    @inline(__always)
    private func withReplica<T>(_ index: Int, _ body: (inout Core) -> T) -> T {
        hotReplicas[index]._withUnsafeGuaranteedRef { $0.core.withLockedValue(body) }
    }

    /// RouterCore's action for one attempt, with the node's parsed address when it is kept.
    private struct Attempt {
        var action: RoutingSessionStateMachine.Action
        var endpoint: NodeEndpoint?

        /// An attempt that connects nowhere.
        init(action: RoutingSessionStateMachine.Action) {
            self.action = action
            self.endpoint = nil
        }

        /// An attempt whose node's address is looked up in `endpoints`.
        init(action: RoutingSessionStateMachine.Action, endpoints: NodeEndpointTable) {
            self.action = action
            if case .connect(let target) = action { endpoint = endpoints[target.address] } else { endpoint = nil }
        }
    }

    /// Fails the lease's attempt on its worker's replica and publishes the events; the node's
    /// death mark (or grace) then reaches every other replica, so no worker keeps choosing it.
    private func failAttempt(_ lease: UInt64) -> Attempt {
        guard let replica = replica(of: lease) else { return Attempt(action: .giveUp(.retriesExhausted)) }
        var events: [RouterEvent] = []
        var failed: RouteTarget?
        let attempt = withReplica(replica) { core -> Attempt in
            // A connected lease reported failed: the node closed before answering a request the
            // data plane can send again (see `RoutingPolicy.connectFailed`).
            let action = core.leases.modify(lease, with: &core.state) { machine, state in
                switch machine.state {
                case .connected(let target):
                    failed = target
                    return machine.closedBeforeResponse(router: &state, events: &events)
                case .connecting(let target):
                    failed = target
                    return machine.connectFailed(router: &state, events: &events)
                case .waitingForKey, .closed:
                    return machine.connectFailed(router: &state, events: &events)
                }
            } ?? .giveUp(.retriesExhausted)
            // The session keeps its lease across retries; anything else ends it.
            if case .connect = action {} else { _ = core.leases.remove(lease) }
            return Attempt(action: action, endpoints: core.endpoints)
        }
        let others = failed.map { markFailed($0, except: LeaseTable.worker(of: lease)) } ?? false
        publish(events, settlingCheap: others)
        return attempt
    }

    /// Death-marks `target`'s node in every replica but `worker`'s; true when any was told.
    private func markFailed(_ target: RouteTarget, except worker: Int) -> Bool {
        switch target.origin {
        case .subscription, .staticNode: break
        case .fallback, .computed: return false
        }
        var told = false
        for (index, replica) in replicas.enumerated() where index != worker {
            // Each replica's own events repeat the worker's (marked, removed): not published.
            _ = replica.core.withLockedValue { $0.state.markFailed(target) }
            told = true
        }
        return told
    }

    /// Turns RouterCore's action into the data plane's decision. A node address that does not
    /// resolve counts as a failed connect, so it takes the same retry path.
    private func decide(_ attempt: consuming Attempt, lease: UInt64) -> RouteDecision {
        var attempt = attempt
        // Each unresolvable node uses up one attempt, so this ends within max-retries + 1 rounds.
        while true {
            switch attempt.action {
            case .giveUp(let reason):
                return .refused(RouteRefusal(reason))
            case .none:
                return .refused(.retriesExhausted)
            case .connect(let target):
                if let endpoint = attempt.endpoint ?? endpoint(for: target.address, lease: lease) {
                    return .node(UpstreamTarget(
                        endpoint: endpoint, modifier1: target.modifier1 ?? 0, modifier2: target.modifier2 ?? 0,
                        lease: RouteLease(rawValue: lease)))
                }
                attempt = failAttempt(lease)
            }
        }
    }

    /// The address of a node not in the endpoint table (a computed mapper's address on its
    /// first use, a host name): parsed and kept when numeric, a host name from the resolver's
    /// cache; never a blocking lookup on the data plane. A parsed address is kept in the
    /// replica of the worker that issued `lease`. nil (logged) when it does not parse or its
    /// host name is not resolved (yet).
    func endpoint(for address: String, lease: UInt64) -> NodeEndpoint? {
        switch resolver.lookup(address) {
        case .numeric(let endpoint):
            if let replica = replica(of: lease) { withReplica(replica) { $0.endpoints.insert(endpoint) } }
            return endpoint
        case .resolved(let endpoint):
            return endpoint
        case .unavailable:
            return nil
        }
    }
}

extension RouteRefusal {
    /// The data plane's refusal for RouterCore's reason to give up.
    init(_ reason: GiveUpReason) {
        switch reason {
        case .noKey: self = .noKey
        case .noNode: self = .noNode
        case .retriesExhausted: self = .retriesExhausted
        }
    }
}

extension ClientAddress {
    /// The client's address as iphash reads it.
    init(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            // s_addr holds the bytes in network order; read them without an array per request.
            let raw = UInt32(bigEndian: address.address.sin_addr.s_addr)
            self = .ipv4(UInt8(truncatingIfNeeded: raw >> 24), UInt8(truncatingIfNeeded: raw >> 16),
                         UInt8(truncatingIfNeeded: raw >> 8), UInt8(truncatingIfNeeded: raw))
        case .v6(let address):
            self = .ipv6(withUnsafeBytes(of: address.address.sin6_addr) { Array($0) })
        case .unixDomainSocket:
            self = .other
        }
    }
}

extension RoutingSessionStateMachine {
    /// The subscription key whose node the session went to; nil for static, fallback and
    /// computed nodes and for a session that never connected.
    var subscriptionKey: RouteKey? {
        switch state {
        case .connecting(let target), .connected(let target):
            if case .subscription(let key) = target.origin { return key }
            return nil
        default:
            return nil
        }
    }
}

extension RouteKey {
    /// This key when its bytes are `bytes`, else a new key of those bytes, kept in `self` for
    /// the next call: a keep-alive client sends the same Host on every request, and comparing
    /// costs less than the array a new key allocates.
    mutating func reused(for bytes: ByteBuffer) -> RouteKey {
        let same = bytes.withUnsafeReadableBytes { new in
            self.bytes.withUnsafeBytes { old in
                new.count == old.count && (new.count == 0 || memcmp(new.baseAddress!, old.baseAddress!, new.count) == 0)
            }
        }
        if !same { self = RouteKey(bytes: Array(bytes.readableBytesView)) }
        return self
    }
}
