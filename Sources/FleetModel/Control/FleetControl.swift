import RouterWire

/// The fleet's I/O boundary: poll a router's stats and apply an edit to it. FleetClient
/// implements it over the network; `FakeFleetControl` (in FleetModelTesting) implements it in memory for tests.
public protocol FleetControl: Sendable {
    /// Reads the router's current stats document; throws when the router cannot be read.
    func poll(_ router: RouterEndpoint) async throws -> StatsDocument
    /// Reads the router's stats document as `poll(_:)` does, but hands the outcome to
    /// `completion` (once, on the control's own thread; it must be short and never block)
    /// instead of resuming a task: the poller then needs no task per poll, nor a hop from the
    /// control's thread to that task.
    func poll(_ router: RouterEndpoint, completion: @escaping @Sendable (Result<StatsDocument, any Error>) -> Void)
    /// Applies one edit (never `drainEverywhere`: expand it first) to `router`, or with
    /// `.everyRouterOfProcess` to every router of its process, and reports the outcome; throws
    /// only when the edit could not be attempted at all.
    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome
    /// The operator confirmed that `address`, learned from `router`'s stats, is its admin API:
    /// later edits to `router` may send its token there. Takes effect before it returns, so an
    /// edit applied afterwards carries the token.
    func trustAdminAddress(_ address: StatsAddress, for router: RouterID)
    /// Streams `target`'s stats document every `interval` (fleetrouter's `GET /v1/watch`) for
    /// the router at `router`, until the stream fails (`WatchError`) or the caller stops
    /// iterating. A control that cannot watch ends at once with `.unsupported`.
    func watch(_ router: RouterEndpoint, target: WatchTarget, interval: Duration) -> AsyncThrowingStream<StatsWatchUpdate, any Error>
    /// Watches as `watch(_:target:interval:)` does, but hands each update to `update` as soon
    /// as it is read, on the control's own thread (it must be short and never block), instead
    /// of through a stream that a task wakes for once per update. The stream returned yields
    /// nothing: it ends when the watch does (with its `WatchError`), and stopping its
    /// iteration stops the watch.
    func watch(
        _ router: RouterEndpoint, target: WatchTarget, interval: Duration,
        update: @escaping @Sendable (StatsWatchUpdate) -> Void
    ) -> AsyncThrowingStream<StatsWatchUpdate, any Error>
}

extension FleetControl {
    /// The outcome of `poll(_:)`, handed over by a task of its own.
    public func poll(_ router: RouterEndpoint, completion: @escaping @Sendable (Result<StatsDocument, any Error>) -> Void) {
        Task {
            do {
                completion(.success(try await poll(router)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// A control that never sends a token has nothing to trust.
    public func trustAdminAddress(_ address: StatsAddress, for router: RouterID) {}

    /// A control without a watch: polling it is.
    public func watch(_ router: RouterEndpoint, target: WatchTarget, interval: Duration) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        AsyncThrowingStream { $0.finish(throwing: WatchError.unsupported(reason: "this control only polls")) }
    }

    /// The updates of `watch(_:target:interval:)` handed over by a task of its own.
    public func watch(
        _ router: RouterEndpoint, target: WatchTarget, interval: Duration,
        update: @escaping @Sendable (StatsWatchUpdate) -> Void
    ) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        let updates = watch(router, target: target, interval: interval)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await item in updates { update(item) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Applies one edit to `router` alone.
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint) async throws -> EditOutcome {
        try await apply(edit, to: router, reach: .chosenRouter)
    }
}
