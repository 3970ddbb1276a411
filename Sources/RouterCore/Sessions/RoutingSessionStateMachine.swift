/// One client session's routing policy: key → pick → connect; a failed connect
/// marks the node and retries, through the fallback list when one exists (1st retry → 1st
/// fallback, never other pool nodes) or through the mapper again, at most `maxRetries` times;
/// once connected, later errors never mark the node, except a node that closed before sending
/// any byte of a request the runtime can send again (`closedBeforeResponse`).
///
/// Methods are named after events and return what the runtime must do. The router state is
/// passed in (the runtime holds its lock around each call).
public struct RoutingSessionStateMachine: Sendable {
    /// Where the session stands.
    public enum State: Sendable, Hashable {
        /// Waiting for the routing key (request head not parsed yet).
        case waitingForKey
        /// A connect to the target is in progress.
        case connecting(RouteTarget)
        /// Connected; relaying.
        case connected(RouteTarget)
        /// Finished or given up.
        case closed
    }

    /// What the runtime must do next.
    public enum Action: Sendable, Hashable {
        /// Open a connection to the target.
        case connect(RouteTarget)
        /// Close the client (HTTP: answer `reason.httpStatus`); nothing more to try.
        case giveUp(GiveUpReason)
        /// Nothing (the event did not apply in the current state).
        case none
    }

    /// Current state.
    public private(set) var state: State = .waitingForKey
    /// Connect attempts made so far (first try included).
    public private(set) var attempts = 0
    /// The routing key, once received.
    public private(set) var key: RouteKey?
    private var client: ClientAddress?
    private var resolved: NodeAddress?
    private var nextFallback = 0

    /// Creates a session waiting for its key.
    public init() {}

    /// The request's key is known (nil or empty: none was sent). `resolved` is the code
    /// mapper's answer for the key when the runtime resolved it off the data plane; retries
    /// through the mapper reuse it.
    public mutating func keyReceived(
        _ key: RouteKey?, client: ClientAddress?, resolved: NodeAddress? = nil, router: inout RouterState,
        events: inout [RouterEvent]
    ) -> Action {
        guard case .waitingForKey = state else { return .none }
        self.client = client
        self.resolved = resolved
        guard let key, key.count > 0 else {
            return fallbackOrGiveUp(.noKey, router: &router)
        }
        self.key = key
        if let target = router.route(key: key, client: client, resolved: resolved, events: &events) {
            return connect(target)
        }
        return fallbackOrGiveUp(.noNode, router: &router)
    }

    /// The connect failed or timed out: mark the node, then retry or give up.
    public mutating func connectFailed(router: inout RouterState, events: inout [RouterEvent]) -> Action {
        guard case .connecting(let failed) = state else { return .none }
        return retry(after: failed, router: &router, events: &events)
    }

    /// The connected node closed or reset the connection before sending a single response byte,
    /// and the runtime still holds the whole request: treated as a failed connect (the node is
    /// marked, the request retried within `maxRetries`).
    ///
    /// This goes beyond uWSGI, which never retries once connected. It is safe in the sense that
    /// the client has seen nothing yet and the node answered nothing; a uWSGI node that dies
    /// (SIGKILL, segfault, OOM) mid-request produces no response at all, so without it every
    /// request in flight on a crashing node would be lost. The runtime only calls it when the
    /// request body was sent completely and is still held (small bodies), never for streams.
    public mutating func closedBeforeResponse(router: inout RouterState, events: inout [RouterEvent]) -> Action {
        guard case .connected(let failed) = state else { return .none }
        return retry(after: failed, router: &router, events: &events)
    }

    private mutating func retry(after failed: RouteTarget, router: inout RouterState, events: inout [RouterEvent]) -> Action {
        events += router.connectFailed(failed)
        guard attempts - 1 < router.configuration.maxRetries else {
            return giveUp(.retriesExhausted, router: &router)
        }
        if !router.configuration.fallbacks.isEmpty {
            // Once fallbacks exist, retries only ever go to them, in order.
            guard let target = router.fallbackTarget(index: nextFallback) else {
                return giveUp(.retriesExhausted, router: &router)
            }
            nextFallback += 1
            router.counters.retries &+= 1
            return connect(target)
        }
        guard let key, let target = router.route(key: key, client: client, resolved: resolved, events: &events) else {
            return giveUp(.retriesExhausted, router: &router)
        }
        router.counters.retries &+= 1
        return connect(target)
    }

    /// The connect succeeded: count it; no retry is possible from now on.
    public mutating func connected(router: inout RouterState) {
        guard case .connecting(let target) = state else { return }
        router.connected(to: target)
        state = .connected(target)
    }

    /// The session ended (normally or by an error after connect, which never marks the node):
    /// releases the node and adds the traffic to its counters.
    public mutating func closed(tx: UInt64 = 0, rx: UInt64 = 0, router: inout RouterState, events: inout [RouterEvent]) {
        switch state {
        case .connecting(let target), .connected(let target):
            events += router.release(target, tx: tx, rx: rx)
        case .waitingForKey, .closed:
            break
        }
        state = .closed
    }

    private mutating func connect(_ target: RouteTarget) -> Action {
        attempts += 1
        state = .connecting(target)
        return .connect(target)
    }

    private mutating func fallbackOrGiveUp(_ reason: GiveUpReason, router: inout RouterState) -> Action {
        if router.configuration.fallbackOnNoKey, let target = router.fallbackTarget(index: nextFallback) {
            nextFallback += 1
            return connect(target)
        }
        return giveUp(reason, router: &router)
    }

    private mutating func giveUp(_ reason: GiveUpReason, router: inout RouterState) -> Action {
        router.counters.count(reason)
        state = .closed
        return .giveUp(reason)
    }
}
