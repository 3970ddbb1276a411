import NIOCore
import RouterCore

/// The code forwarder's bookkeeping as a value, without I/O: a bounded cache of answers with
/// their TTLs, and one flight (resolver call) per key that every request for the key waits on.
///
/// Events: `lookup` (a request's key), `resolved` (the call returned), `deadlinePassed` (the
/// call's deadline). Each returns what the runtime must do; `Waiter` is whatever the runtime
/// needs to answer a request (a callback), handed back when the answer is known.
///
/// A call that outlives its deadline fails its waiters at once but keeps its flight until it
/// returns, and new requests for that key fail at once meanwhile: a key whose resolver hangs
/// costs one call, not one per request.
struct CodeLookupStateMachine<Waiter> {
    /// The machine's bounds.
    struct Limits {
        /// Answers kept at most.
        var cacheEntries = 4096
        /// Resolver calls running at once (timed-out ones included) at most.
        var flights = 256
        /// Requests waiting on one key's call at most.
        var waitersPerFlight = 1024
        /// The longest key handed to a resolver.
        var keyBytes = 4096
        /// The longest TTL honoured.
        var maximumTTL = TimeAmount.hours(24)
    }

    /// What `lookup` asks the runtime to do.
    enum LookupAction {
        /// Answer the request now with this (cached) answer.
        case answer(NodeAddress?)
        /// Fail the request now.
        case fail(CodeResolverError)
        /// The request waits on the key's running call.
        case wait
        /// Call the resolver for the key (flight `id`) and arm its deadline; the request waits.
        case start(id: UInt64)
    }

    /// What `resolved` and `deadlinePassed` ask the runtime to do: answer (or fail) each waiter.
    struct Completion {
        /// The requests to answer.
        var waiters: [Waiter]
        /// Their outcome.
        var outcome: Result<NodeAddress?, CodeResolverError>
    }

    private struct Cached {
        var node: NodeAddress?
        var expires: NIODeadline
    }

    fileprivate struct Flight {
        var id: UInt64
        var waiters: [Waiter]
        var timedOut = false
    }

    let limits: Limits
    private var cache: [RouteKey: Cached] = [:]
    private var flights: [RouteKey: Flight] = [:]
    private var nextID: UInt64 = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Answers kept now.
    var cachedCount: Int { cache.count }
    /// Calls running now (timed-out ones included).
    var flightCount: Int { flights.count }

    /// True while flight `id` for `key` has not returned.
    func isRunning(_ key: RouteKey, id: UInt64) -> Bool {
        flights[key]?.id == id
    }

    /// A request for `key` at `now`.
    mutating func lookup(_ key: RouteKey, now: NIODeadline, waiter: Waiter) -> LookupAction {
        if let cached = cache[key] {
            if cached.expires > now { return .answer(cached.node) }
            cache[key] = nil
        }
        guard key.count <= limits.keyBytes else { return .fail(.keyTooLong(bytes: key.count, limit: limits.keyBytes)) }
        if var flight = flights[key] {
            guard !flight.timedOut else { return .fail(.stillRunning) }
            guard flight.waiters.count < limits.waitersPerFlight else { return .fail(.busy(limit: limits.waitersPerFlight)) }
            flight.waiters.append(waiter)
            flights[key] = flight
            return .wait
        }
        guard flights.count < limits.flights else { return .fail(.busy(limit: limits.flights)) }
        nextID &+= 1
        flights[key] = Flight(id: nextID, waiters: [waiter])
        return .start(id: nextID)
    }

    /// Flight `id` for `key` returned `result` at `now`: its waiters get the answer, which is
    /// cached for its TTL (a late answer too: it is still the resolver's word).
    mutating func resolved(_ key: RouteKey, id: UInt64, result: Result<CodeRoute, CodeResolverError>, now: NIODeadline) -> Completion {
        guard let flight = flights[key], flight.id == id else { return Completion(waiters: [], outcome: .failure(.stillRunning)) }
        flights[key] = nil
        switch result {
        case .success(let route):
            store(key, route, now: now)
            return Completion(waiters: flight.waiters, outcome: .success(route.node))
        case .failure(let error):
            return Completion(waiters: flight.waiters, outcome: .failure(error))
        }
    }

    /// Flight `id`'s deadline passed: its waiters fail now; the flight stays (blocking new
    /// calls for the key) until the call returns.
    mutating func deadlinePassed(_ key: RouteKey, id: UInt64, timeout: Int) -> Completion {
        guard var flight = flights[key], flight.id == id, !flight.timedOut else {
            return Completion(waiters: [], outcome: .failure(.timedOut(milliseconds: timeout)))
        }
        let waiters = flight.waiters
        flight.waiters = []
        flight.timedOut = true
        flights[key] = flight
        return Completion(waiters: waiters, outcome: .failure(.timedOut(milliseconds: timeout)))
    }

    private mutating func store(_ key: RouteKey, _ route: CodeRoute, now: NIODeadline) {
        let ttl = TimeAmount.nanoseconds(route.ttl.nanosecondsClamped)
        guard ttl > .zero else {
            cache[key] = nil
            return
        }
        if cache[key] == nil && cache.count >= limits.cacheEntries {
            cache = cache.filter { $0.value.expires > now }
            // Still full of live answers: drop one (any) to make room.
            if cache.count >= limits.cacheEntries, let first = cache.keys.first { cache[first] = nil }
        }
        cache[key] = Cached(node: route.node, expires: now + min(ttl, limits.maximumTTL))
    }
}

extension Duration {
    /// The duration in nanoseconds, negative ones as zero, huge ones as `Int64.max`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : sum
    }
}

extension CodeLookupStateMachine: Sendable where Waiter: Sendable {}
extension CodeLookupStateMachine.Flight: Sendable where Waiter: Sendable {}
