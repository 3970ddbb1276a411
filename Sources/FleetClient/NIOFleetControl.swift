import FleetModel
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RouterWire

/// The network implementation of `FleetControl`: polls stats servers over TCP, unix and
/// abstract sockets (raw or `http://`), sends admin API calls to fleetrouter and subscription
/// packets to real uWSGI routers. Every call is bounded by the configured timeout.
public final class NIOFleetControl: FleetControl {
    /// Limits for polls.
    public struct Configuration: Sendable, Hashable {
        /// Bound on one poll or edit: connect plus the whole answer.
        public var timeout: Duration
        /// Largest stats document (or admin answer) accepted.
        public var maximumDocumentSize: Int
        /// Polls in flight at once in `pollOnce`.
        public var maximumConcurrentPolls: Int
        /// Polls stats servers at an IP literal, a unix socket file or an abstract name on raw
        /// non-blocking sockets, on one epoll thread of the process (`RawExchangeLoop`), not
        /// through NIO channels, which cost a third of a poll's instructions. Host names always go
        /// through NIO.
        public var rawSocketPolls: Bool

        /// Creates a configuration; the defaults suit a fleet of a thousand routers.
        public init(
            timeout: Duration = .seconds(2), maximumDocumentSize: Int = 16 * 1024 * 1024, maximumConcurrentPolls: Int = 64,
            rawSocketPolls: Bool = true
        ) {
            self.timeout = timeout
            self.maximumDocumentSize = maximumDocumentSize
            self.maximumConcurrentPolls = max(1, maximumConcurrentPolls)
            self.rawSocketPolls = rawSocketPolls
        }
    }

    /// One event loop thread is plenty: polling is waiting, not computing.
    private static let sharedGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The limits in force.
    public let configuration: Configuration
    /// Which admin addresses may receive the token (learned ones only once confirmed).
    public let adminTrust = AdminAddressTrust()
    let group: any EventLoopGroup
    private let latestDocuments = NIOLockedValueBox<[RouterID: StatsDocument]>([:])

    /// Creates a client on `group`, or on a shared one-thread group when nil.
    public init(configuration: Configuration = .init(), group: (any EventLoopGroup)? = nil) {
        self.configuration = configuration
        self.group = group ?? Self.sharedGroup
    }

    /// Reads the router's stats document within the configured timeout.
    public func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        try await poll(router, timeout: configuration.timeout).get()
    }

    /// Reads the router's stats document within `timeout`, returning the typed error.
    public func poll(_ router: RouterEndpoint, timeout: Duration) async -> Result<StatsDocument, PollError> {
        let exchange = Exchange(router)
        let exchanged: Result<ResponseReadStateMachine.Response, ExchangeFailure>
        if let raw = rawLoop(for: exchange) {
            exchanged = await raw.loop.exchange(
                raw.destination, request: exchange.request, framing: exchange.framing,
                limit: configuration.maximumDocumentSize, timeout: timeout)
        } else {
            do {
                exchanged = .success(try await StreamExchange.run(
                    target: exchange.target, request: exchange.request, framing: exchange.framing,
                    limit: configuration.maximumDocumentSize, timeout: timeout, group: group
                ))
            } catch {
                exchanged = .failure(error)
            }
        }
        return finish(exchanged, router: router, timeout: timeout)
    }

    /// Reads the router's stats document within the configured timeout and hands the outcome
    /// (a `PollError` when it failed) to `completion`. A raw-socket poll decodes and completes
    /// on `RawExchangeLoop`'s thread, with no task; a NIO one goes through a task.
    public func poll(_ router: RouterEndpoint, completion: @escaping @Sendable (Result<StatsDocument, any Error>) -> Void) {
        let timeout = configuration.timeout
        let exchange = Exchange(router)
        guard let raw = rawLoop(for: exchange) else {
            Task { completion(await poll(router, timeout: timeout).mapError { $0 }) }
            return
        }
        raw.loop.start(
            raw.destination, request: exchange.request, framing: exchange.framing,
            limit: configuration.maximumDocumentSize, timeout: timeout
        ) { [self] exchanged in
            completion(finish(exchanged, router: router, timeout: timeout).mapError { $0 })
        }
    }

    /// What one poll sends and how its answer is framed.
    private struct Exchange {
        var target: StreamTarget
        var request: ByteBuffer?
        var framing = ResponseReadStateMachine.Framing.untilClose

        init(_ router: RouterEndpoint) {
            target = StreamTarget(router.stats)
            if case let .http(_, _, path) = router.stats {
                request = NIOFleetControl.statsRequest(path: path, host: target.hostHeader)
                framing = .http
            }
        }
    }

    /// The raw-socket loop and destination for `exchange`, nil when it goes through NIO.
    private func rawLoop(for exchange: Exchange) -> (loop: RawExchangeLoop, destination: RawDestination)? {
        guard configuration.rawSocketPolls, let loop = RawExchangeLoop.shared, let destination = RawDestination(exchange.target) else {
            return nil
        }
        return (loop, destination)
    }

    /// The document an exchange brought (remembered as the router's latest), or why none.
    private func finish(
        _ exchanged: Result<ResponseReadStateMachine.Response, ExchangeFailure>, router: RouterEndpoint, timeout: Duration
    ) -> Result<StatsDocument, PollError> {
        let result: Result<StatsDocument, PollError>
        switch exchanged {
        case .success(let response):
            result = Self.document(from: response, router: router, timeout: timeout)
        case .failure(let error):
            result = .failure(PollError(router: router.id, address: router.stats, kind: error.pollErrorKind(timeout: timeout)))
        }
        if case let .success(document) = result {
            latestDocuments.withLockedValue { $0[router.id] = document }
        }
        return result
    }

    /// Polls every router once, at most `maximumConcurrentPolls` at a time, each within
    /// `timeout` (the configured one when nil). For `fleettop snapshot` and `ctl`.
    public func pollOnce(
        _ endpoints: [RouterEndpoint], timeout: Duration? = nil
    ) async -> [RouterID: Result<StatsDocument, PollError>] {
        let limit = timeout ?? configuration.timeout
        var results: [RouterID: Result<StatsDocument, PollError>] = [:]
        await withTaskGroup(of: (RouterID, Result<StatsDocument, PollError>).self) { group in
            var pending = endpoints[...]
            var running = 0
            while running < configuration.maximumConcurrentPolls, let next = pending.popFirst() {
                group.addTask { (next.id, await self.poll(next, timeout: limit)) }
                running += 1
            }
            for await (id, result) in group {
                results[id] = result
                if let next = pending.popFirst() {
                    group.addTask { (next.id, await self.poll(next, timeout: limit)) }
                }
            }
        }
        return results
    }

    /// The last document this client read from `router`, if any.
    public func latestDocument(of router: RouterID) -> StatsDocument? {
        latestDocuments.withLockedValue { $0[router] }
    }

    /// Remembers a document read elsewhere (the dashboard's snapshot) for later edits.
    public func remember(_ document: StatsDocument, for router: RouterID) {
        rememberer(for: router)(document)
    }

    /// What remembers `router`'s documents: it holds the documents' table, not the control, so
    /// a watch's stream needs no weak reference (an object outliving its weak references keeps a
    /// side table LeakSanitizer cannot see from it, reported as a leak of fleettop's exit).
    private func rememberer(for router: RouterID) -> @Sendable (StatsDocument) -> Void {
        { [latestDocuments] document in latestDocuments.withLockedValue { $0[router] = document } }
    }

    /// The `--stats-http` request: HTTP/1.0 so that no server answers chunked or keeps alive.
    static func statsRequest(path: String, host: String) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: fleettop\r\nAccept: application/json\r\n\r\n")
    }

    /// Decodes an answer into a document, or names why it is not one.
    static func document(
        from response: ResponseReadStateMachine.Response, router: RouterEndpoint, timeout: Duration
    ) -> Result<StatsDocument, PollError> {
        func failure(_ kind: PollError.Kind) -> Result<StatsDocument, PollError> {
            .failure(PollError(router: router.id, address: router.stats, kind: kind))
        }
        if let head = response.head, head.status != 200 {
            return failure(.badHTTPStatus(code: head.status, reason: head.reason))
        }
        do {
            return .success(try StatsDocument.decode(lenient: response.body))
        } catch {
            return failure(.decode(error))
        }
    }
}

extension ExchangeFailure {
    /// The poll error kind for this failure.
    func pollErrorKind(timeout: Duration) -> PollError.Kind {
        switch self {
        case let .refused(reason): return .refused(reason: reason)
        case let .unreachable(reason): return .unreachable(reason: reason)
        case let .timeout(connected): return .timeout(seconds: timeout.seconds, connected: connected)
        case let .connection(reason): return .connectionFailed(reason: reason)
        case let .read(.tooLarge(limit)): return .tooLarge(limit: limit)
        case let .read(.malformedHTTP(reason)): return .malformedHTTP(reason: reason)
        case let .read(.closedEarly(received, expected)): return .closedEarly(received: received, expected: expected)
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension NIOFleetControl {
    /// Watches `target` over its admin API (see `StatsWatchClient`); each new document is also
    /// remembered as the router's latest, for edits.
    public func watch(_ router: RouterEndpoint, target: WatchTarget, interval: Duration) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        StatsWatchClient.updates(
            target: target, interval: interval, limit: configuration.maximumDocumentSize,
            connectTimeout: configuration.timeout, group: group, received: rememberer(for: router.id))
    }

    /// As `watch(_:target:interval:)`, each update handed to `update` on the event loop that
    /// read it (no task woken per update).
    public func watch(
        _ router: RouterEndpoint, target: WatchTarget, interval: Duration,
        update: @escaping @Sendable (StatsWatchUpdate) -> Void
    ) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        StatsWatchClient.updates(
            target: target, interval: interval, limit: configuration.maximumDocumentSize,
            connectTimeout: configuration.timeout, group: group,
            received: rememberer(for: router.id),
            deliver: update)
    }
}
