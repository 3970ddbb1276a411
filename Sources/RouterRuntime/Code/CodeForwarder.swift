import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterCore

/// A router's code forwarder at run time: the `CodeLookupStateMachine` behind a lock, the
/// resolver called in tasks of its own with a deadline each, counters and rate-limited logs.
/// The data plane only ever calls `lookup`, which answers at once from the cache or returns
/// nil and answers later, on the thread that finished the call.
public final class CodeForwarder: Sendable {
    /// The counters `/metrics` publishes.
    public struct Counters: Sendable, Hashable {
        /// Keys looked up.
        public var lookups: UInt64 = 0
        /// Lookups answered from the cache.
        public var cacheHits: UInt64 = 0
        /// Resolver calls started.
        public var calls: UInt64 = 0
        /// Lookups that failed, by kind (`error`, `timeout`, `invalid`, `refused`).
        public var failures: [String: UInt64] = [:]

        /// Every failure, whatever its kind.
        public var failed: UInt64 { failures.values.reduce(0, &+) }
    }

    typealias Deliver = @Sendable (Result<NodeAddress?, CodeResolverError>) -> Void

    private struct State: Sendable {
        var machine: CodeLookupStateMachine<Deliver>
        var counters = Counters()
        var logLimit = LogRateLimiter()
        var tasks: [UInt64: (call: Task<Void, Never>, deadline: Task<Void, Never>)] = [:]
    }

    /// What the forwarder asks (for logs: `use-code-string 18:/lib/x.so:route`).
    public let source: String
    /// How long one resolution may take.
    public let timeout: TimeAmount
    private let resolver: any CodeResolver
    private let state: NIOLockedValueBox<State>
    private let logger: Logger
    private let stop: @Sendable () -> Void

    /// Creates a forwarder calling `resolver` with `timeout` per call.
    init(resolver: any CodeResolver, source: String, timeout: TimeAmount,
         limits: CodeLookupStateMachine<Deliver>.Limits = .init(), logger: Logger, stop: @escaping @Sendable () -> Void = {}) {
        self.resolver = resolver
        self.stop = stop
        self.source = source
        self.timeout = timeout
        self.logger = logger
        self.state = NIOLockedValueBox(State(machine: CodeLookupStateMachine(limits: limits)))
    }

    /// A copy of the counters.
    public var counters: Counters { state.withLockedValue { $0.counters } }

    /// Resolver calls running now (those past their deadline included).
    public var runningCalls: Int { state.withLockedValue { $0.machine.flightCount } }

    /// Looks `key` up without blocking: the answer (or failure) now when the cache has it or
    /// the lookup is refused, else nil, and `deliver` is called once the resolver answers or
    /// the deadline passes (on that thread).
    func lookup(_ key: RouteKey, deliver: @escaping Deliver) -> Result<NodeAddress?, CodeResolverError>? {
        let now = NIODeadline.now()
        let action = state.withLockedValue { state -> CodeLookupStateMachine<Deliver>.LookupAction in
            state.counters.lookups &+= 1
            let action = state.machine.lookup(key, now: now, waiter: deliver)
            switch action {
            case .answer: state.counters.cacheHits &+= 1
            case .start: state.counters.calls &+= 1
            case .fail, .wait: break
            }
            return action
        }
        switch action {
        case .answer(let node):
            return .success(node)
        case .fail(let error):
            failed(key, error, count: 1)
            return .failure(error)
        case .wait:
            return nil
        case .start(let id):
            start(key, id: id)
            return nil
        }
    }

    /// Cancels the calls still running and stops the resolver's own threads (at shutdown).
    func shutdown() {
        let tasks = state.withLockedValue { Array($0.tasks.values) }
        // Deadlines stay armed: a call that ignores its cancellation still fails its waiters.
        for task in tasks { task.call.cancel() }
        stop()
    }

    private func start(_ key: RouteKey, id: UInt64) {
        let resolver = self.resolver
        let timeoutMilliseconds = Int(timeout.nanoseconds / 1_000_000)
        // The call and its deadline race; whichever settles the flight first answers the waiters.
        let call = Task { [self] in
            let result: Result<CodeRoute, CodeResolverError>
            do {
                let route = try await resolver.resolve(key: key.bytes)
                result = Self.validate(route)
            } catch let error as CodeResolverError {
                result = .failure(error)
            } catch {
                result = .failure(.failed("\(error)"))
            }
            finish(key, id: id, result: result)
        }
        let deadline = Task { [self, timeout] in
            try? await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
            guard !Task.isCancelled else { return }
            let completion = state.withLockedValue { $0.machine.deadlinePassed(key, id: id, timeout: timeoutMilliseconds) }
            // Asked to stop; a resolver that ignores it still holds its flight until it returns.
            call.cancel()
            complete(key, completion)
        }
        let running = state.withLockedValue { state in
            // A call that already finished removed its flight: its tasks are not kept.
            guard state.machine.isRunning(key, id: id) else { return false }
            state.tasks[id] = (call, deadline)
            return true
        }
        if !running { deadline.cancel() }
    }

    private func finish(_ key: RouteKey, id: UInt64, result: Result<CodeRoute, CodeResolverError>) {
        let (completion, deadline) = state.withLockedValue { state in
            (state.machine.resolved(key, id: id, result: result, now: .now()), state.tasks.removeValue(forKey: id))
        }
        deadline?.deadline.cancel()
        complete(key, completion)
    }

    private func complete(_ key: RouteKey, _ completion: CodeLookupStateMachine<Deliver>.Completion) {
        if case .failure(let error) = completion.outcome, !completion.waiters.isEmpty {
            failed(key, error, count: completion.waiters.count)
        }
        for waiter in completion.waiters { waiter(completion.outcome) }
    }

    private func failed(_ key: RouteKey, _ error: CodeResolverError, count: Int) {
        let decision = state.withLockedValue { state in
            state.counters.failures[error.kind, default: 0] &+= UInt64(count)
            return state.logLimit.record(at: .now())
        }
        guard case .log(let suppressed) = decision else { return }
        var metadata: Logger.Metadata = ["key": "\(String(decoding: key.bytes.prefix(256), as: UTF8.self))", "resolver": "\(source)", "requests": "\(count)"]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("code forwarder: \(error)", metadata: metadata)
    }

    /// Checks that a resolver's node parses as a node address (a host name is resolved later).
    static func validate(_ route: CodeRoute) -> Result<CodeRoute, CodeResolverError> {
        guard let node = route.node else { return .success(route) }
        guard !node.address.isEmpty, node.address.utf8.count <= CodeRoute.maximumAddressLength else {
            return .failure(.invalidAnswer("address of \(node.address.utf8.count) bytes; 1...\(CodeRoute.maximumAddressLength) expected"))
        }
        do {
            _ = try NodeEndpoint.parse(node.address, defaultHost: "127.0.0.1")
        } catch {
            return .failure(.invalidAnswer("\"\(node.address.prefix(80))\" is not a node address: \(error)"))
        }
        return .success(route)
    }
}
