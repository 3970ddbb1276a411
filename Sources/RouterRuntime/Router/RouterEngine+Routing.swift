import CNIOLinux
import NIOConcurrencyHelpers
import NIOCore
import RouterCore

extension RouterEngine: RoutingPolicy {
    /// Starts a routing session for one request: RouterCore picks the node (or gives up), the
    /// session is kept under a new lease until the data plane finishes it.
    public func route(key: ByteBuffer, clientAddress: SocketAddress?) -> RouteDecision {
        let routeKey = forcedKey ?? RouteKey(bytes: Array(key.readableBytesView))
        let client = clientAddress.map(ClientAddress.init(socketAddress:))
        var events: [RouterEvent] = []
        let (lease, attempt) = core.withLockedValue { core -> (UInt64, Attempt) in
            var machine = RoutingSessionStateMachine()
            let action = machine.keyReceived(routeKey, client: client, router: &core.state, events: &events)
            guard case .connect = action else { return (0, Attempt(action: action)) }
            return (core.leases.insert(machine), Attempt(action: action, endpoints: core.endpoints))
        }
        publish(events)
        return decide(attempt, lease: lease)
    }

    /// The leased attempt failed to connect: RouterCore marks the node and picks the retry
    /// (another node or a fallback) or gives up. The session keeps its lease across retries.
    public func connectFailed(_ lease: RouteLease, error: any Error) -> RouteDecision {
        let (attempt, events) = failAttempt(lease.rawValue)
        publish(events)
        return decide(attempt, lease: lease.rawValue)
    }

    /// The leased attempt connected: counted; only a close before any response byte retries.
    public func connected(_ lease: RouteLease) {
        core.withLockedValue { core in
            _ = core.leases.modify(lease.rawValue, with: &core.state) { $0.connected(router: &$1) }
        }
    }

    /// The session is over: the node is released and the traffic added to its counters.
    public func finished(_ lease: RouteLease, bytesFromNode: UInt64, bytesToNode: UInt64) {
        var events: [RouterEvent] = []
        core.withLockedValue { core in
            guard var machine = core.leases.remove(lease.rawValue) else { return }
            machine.closed(tx: bytesFromNode, rx: bytesToNode, router: &core.state, events: &events)
        }
        publish(events)
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

    private func failAttempt(_ lease: UInt64) -> (Attempt, [RouterEvent]) {
        var events: [RouterEvent] = []
        let attempt = core.withLockedValue { core -> Attempt in
            // A connected lease reported failed: the node closed before answering a request the
            // data plane can send again (see `RoutingPolicy.connectFailed`).
            let action = core.leases.modify(lease, with: &core.state) { machine, state in
                if case .connected = machine.state {
                    machine.closedBeforeResponse(router: &state, events: &events)
                } else {
                    machine.connectFailed(router: &state, events: &events)
                }
            } ?? .giveUp(.retriesExhausted)
            // The session keeps its lease across retries; anything else ends it.
            if case .connect = action {} else { _ = core.leases.remove(lease) }
            return Attempt(action: action, endpoints: core.endpoints)
        }
        return (attempt, events)
    }

    /// Turns RouterCore's action into the data plane's decision. A node address that does not
    /// resolve counts as a failed connect, so it takes the same retry path.
    private func decide(_ attempt: Attempt, lease: UInt64) -> RouteDecision {
        var attempt = attempt
        // Each unresolvable node uses up one attempt, so this ends within max-retries + 1 rounds.
        while true {
            switch attempt.action {
            case .giveUp(let reason):
                return .refused(RouteRefusal(reason))
            case .none:
                return .refused(.retriesExhausted)
            case .connect(let target):
                if let endpoint = attempt.endpoint ?? endpoint(for: target.address) {
                    return .node(UpstreamTarget(
                        endpoint: endpoint, modifier1: target.modifier1 ?? 0, modifier2: target.modifier2 ?? 0,
                        lease: RouteLease(rawValue: lease)))
                }
                let (next, events) = failAttempt(lease)
                publish(events)
                attempt = next
            }
        }
    }

    /// The address of a node not in the endpoint table (a computed mapper's address on its
    /// first use, a host name): parsed and kept when numeric, a host name from the resolver's
    /// cache; never a blocking lookup on the data plane. nil (logged) when it does not parse
    /// or its host name is not resolved (yet).
    func endpoint(for address: String) -> NodeEndpoint? {
        switch resolver.lookup(address) {
        case .numeric(let endpoint):
            core.withLockedValue { $0.endpoints.insert(endpoint) }
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
