import FleetModel
import Logging
import NIOConcurrencyHelpers
import RouterWire

/// Polls every router of the fleet in the background and emits each result on `results`.
///
/// Routers are polled every `interval`, the first round spread over one interval, at most
/// `maximumConcurrentPolls` at a time; a failing router is retried with exponential backoff
/// (reset by its next success). Nothing here blocks the caller, and no router's failure stops
/// the poller. Commands (`refreshNow`, `pause`, `resume`, `setEndpoints`) take effect within
/// one tick (a tenth of the interval, at most 100 ms).
///
/// With `watch` on, a fleetrouter whose poll shows an admin API is watched instead (its pushed
/// stats, one long-lived connection, `WatchPlan`): its documents arrive as results like polls
/// (gathered and emitted at the next tick, the newest per router), and it is polled again
/// whenever its watch breaks.
public final class FleetPoller: Sendable {
    /// Timing and limits.
    public struct Configuration: Sendable, Hashable {
        /// Time between two polls of a router that answers.
        public var interval: Duration
        /// Polls in flight at once, over the whole fleet.
        public var maximumConcurrentPolls: Int
        /// Retry policy for failing routers.
        public var backoff: BackoffPolicy
        /// Results kept for a slow consumer before the oldest are dropped.
        public var resultBufferSize: Int
        /// Watch fleetrouters that offer it instead of polling them.
        public var watch: Bool

        /// Creates a configuration (1 s, 64 in flight, backoff 1 s → 30 s).
        public init(
            interval: Duration = .seconds(1), maximumConcurrentPolls: Int = 64,
            backoff: BackoffPolicy = .init(), resultBufferSize: Int = 8192, watch: Bool = false
        ) {
            self.watch = watch
            self.interval = max(interval, .milliseconds(10))
            self.maximumConcurrentPolls = max(1, maximumConcurrentPolls)
            self.backoff = backoff
            self.resultBufferSize = max(1, resultBufferSize)
        }

        /// How often the driver looks at the schedule and at commands.
        var tick: Duration {
            min(max(interval / 10, .milliseconds(5)), .milliseconds(100))
        }
    }

    /// Commands and lifecycle, shared between the caller and the driver task.
    private struct Shared {
        var paused = false
        var refreshRequested = false
        var pendingEndpoints: [RouterEndpoint]?
        var task: Task<Void, Never>?
        var finished = false
        /// What the watch tasks reported since the last tick.
        var watchEvents: [WatchEvent] = []
        /// The watches' updates since the last tick, the newest per router: they are emitted
        /// together at the tick, so the consumer wakes once per tick, not once per router.
        var watchResults: [RouterID: (generation: Int, result: PollResult)] = [:]
    }

    /// A watch task's report to the driver.
    private struct WatchEvent: Sendable {
        var router: RouterID
        var generation: Int
        /// nil: the first document arrived; else how the watch ended.
        var ended: WatchError?
        var delivered: Bool
    }

    /// Every finished poll, in completion order; finishes after `stop()`.
    public let results: AsyncStream<PollResult>
    /// The timing and limits in force.
    public let configuration: Configuration
    private let continuation: AsyncStream<PollResult>.Continuation
    private let control: any FleetControl
    private let initialEndpoints: [RouterEndpoint]
    private let logger: Logger
    private let shared = NIOLockedValueBox(Shared())

    /// Creates a poller of `endpoints` through `control`; call `start()` to begin.
    public init(
        control: any FleetControl, endpoints: [RouterEndpoint], configuration: Configuration = .init(),
        logger: Logger = Logger(label: "fleettop.poller", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.control = control
        self.initialEndpoints = endpoints
        self.configuration = configuration
        self.logger = logger
        (results, continuation) = AsyncStream.makeStream(of: PollResult.self, bufferingPolicy: .bufferingNewest(configuration.resultBufferSize))
    }

    deinit {
        stop()
    }

    /// Starts polling in the background; does nothing if already started or stopped.
    public func start() {
        shared.withLockedValue { shared in
            guard shared.task == nil, !shared.finished else { return }
            let driver = Driver(control: control, configuration: configuration, shared: self.shared,
                                continuation: continuation, logger: logger)
            let endpoints = initialEndpoints
            shared.task = Task { await driver.run(endpoints: endpoints) }
        }
    }

    /// Stops polling and finishes `results`; polls in flight are abandoned.
    public func stop() {
        let task = shared.withLockedValue { shared -> Task<Void, Never>? in
            shared.finished = true
            defer { shared.task = nil }
            return shared.task
        }
        task?.cancel()
        continuation.finish()
    }

    /// Stops starting new polls (those in flight still report).
    public func pause() {
        shared.withLockedValue { $0.paused = true }
    }

    /// Starts polling again after `pause()`.
    public func resume() {
        shared.withLockedValue { $0.paused = false }
    }

    /// True while paused.
    public var isPaused: Bool {
        shared.withLockedValue { $0.paused }
    }

    /// Polls every router now, backing-off ones included.
    public func refreshNow() {
        shared.withLockedValue { $0.refreshRequested = true }
    }

    /// Replaces the routers polled; kept routers keep their schedule and backoff.
    public func setEndpoints(_ endpoints: [RouterEndpoint]) {
        shared.withLockedValue { $0.pendingEndpoints = endpoints }
    }

    /// The background loop: one stream of events, the ticks (from a timer task) and the
    /// outcomes of the polls in flight (from the control's completion handler).
    private struct Driver: Sendable {
        let control: any FleetControl
        let configuration: Configuration
        let shared: NIOLockedValueBox<Shared>
        let continuation: AsyncStream<PollResult>.Continuation
        let logger: Logger

        private enum Event: Sendable {
            case tick
            case polled(RouterEndpoint, Result<StatsDocument, PollError>, Duration)
        }

        /// The driver's own state: the schedule, and the watches with their tasks.
        private struct Routers {
            var schedule: PollSchedule
            var plan: WatchPlan
            var watchers: [RouterID: Task<Void, Never>] = [:]
        }

        /// Waits for the next event (a tick or a finished poll) and acts on it, until
        /// cancelled. Polls are started with the control's completion handler, which hands
        /// their outcome to the event stream: no task per poll.
        func run(endpoints: [RouterEndpoint]) async {
            let clock = ContinuousClock()
            let origin = clock.now
            var routers = Routers(
                schedule: PollSchedule(endpoints: endpoints, interval: configuration.interval, backoff: configuration.backoff, start: .zero),
                plan: WatchPlan(interval: configuration.interval))
            defer { for watcher in routers.watchers.values { watcher.cancel() } }
            // What waits in it is bounded: at most `maximumConcurrentPolls` outcomes, and the
            // ticks that came during one slow turn of the loop.
            let (events, sink) = AsyncStream.makeStream(of: Event.self)
            var inFlight = 0
            var paused = false
            let tick = configuration.tick
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: tick)
                        sink.yield(.tick)
                    }
                }
                // Ends when the driver is cancelled (`stop`).
                for await event in events {
                    let now = origin.duration(to: clock.now)
                    switch event {
                    case .tick:
                        paused = applyCommands(to: &routers, at: now)
                    case let .polled(endpoint, result, duration):
                        inFlight -= 1
                        record(result, for: endpoint, duration: duration, in: &routers, at: now)
                    }
                    guard !paused, !Task.isCancelled else { continue }
                    for endpoint in routers.schedule.takeDue(at: now, limit: configuration.maximumConcurrentPolls - inFlight) {
                        // Its watch delivers: keep its place in the schedule, without a poll.
                        if routers.plan.skipsPolls(of: endpoint.id) {
                            routers.schedule.recordSuccess(endpoint.id, at: now)
                            continue
                        }
                        inFlight += 1
                        poll(endpoint, clock: clock, into: sink)
                    }
                }
                // Outcomes of polls still in flight are dropped.
                sink.finish()
                group.cancelAll()
            }
        }

        /// Applies queued commands and watch reports; returns whether polling is paused.
        private func applyCommands(to routers: inout Routers, at now: Duration) -> Bool {
            let (paused, refresh, endpoints, events, watched) = shared.withLockedValue { shared in
                defer {
                    shared.refreshRequested = false
                    shared.pendingEndpoints = nil
                    shared.watchEvents = []
                    shared.watchResults = [:]
                }
                return (shared.paused, shared.refreshRequested, shared.pendingEndpoints, shared.watchEvents,
                        shared.watchResults)
            }
            // Only from the watch running now: a stopped watch may still have read a line.
            for (id, gathered) in watched where routers.plan.isCurrent(id, generation: gathered.generation) {
                continuation.yield(gathered.result)
            }
            if let endpoints {
                routers.schedule.setEndpoints(endpoints, at: now)
                for action in routers.plan.retain(endpoints) { carry(action, in: &routers, at: now) }
            }
            for event in events {
                if let error = event.ended {
                    routers.watchers[event.router] = nil
                    if let action = routers.plan.watchEnded(event.router, generation: event.generation, error: error,
                                                            delivered: event.delivered, at: now) {
                        logger.debug("router watch ended; polling", metadata: ["router": "\(event.router)", "error": "\(error)"])
                        carry(action, in: &routers, at: now)
                    }
                } else {
                    routers.plan.watchDelivered(event.router, generation: event.generation)
                }
            }
            if refresh { routers.schedule.makeAllDue(at: now) }
            return paused
        }

        /// Carries out one of the watch plan's actions.
        private func carry(_ action: WatchPlan.Action, in routers: inout Routers, at now: Duration) {
            switch action {
            case let .start(endpoint, target, generation):
                routers.watchers[endpoint.id]?.cancel()
                routers.watchers[endpoint.id] = startWatch(endpoint, target: target, generation: generation)
            case let .stop(id):
                routers.watchers.removeValue(forKey: id)?.cancel()
                routers.schedule.makeDue(id, at: now)
            case let .pollNow(id):
                routers.schedule.makeDue(id, at: now)
            }
        }

        /// Watches `endpoint`: each document is gathered for the next tick (unless paused) by
        /// the control's own thread as it is read, with no task woken per document; a task
        /// waits for the watch's end. The first document and the end are reported to the
        /// driver for its next tick.
        private func startWatch(_ endpoint: RouterEndpoint, target: WatchTarget, generation: Int) -> Task<Void, Never> {
            let shared = self.shared
            let id = endpoint.id
            let delivered = NIOLockedValueBox(false)
            let updates = control.watch(endpoint, target: target, interval: configuration.interval) { update in
                var result = PollResult(router: id, result: .success(update.document), duration: .zero)
                result.unchanged = !update.changed
                let first = delivered.withLockedValue { delivered in
                    defer { delivered = true }
                    return !delivered
                }
                shared.withLockedValue { shared in
                    if first { shared.watchEvents.append(WatchEvent(router: id, generation: generation, ended: nil, delivered: true)) }
                    guard !shared.paused else { return }
                    let earlier = shared.watchResults[id].flatMap { $0.generation == generation ? $0.result : nil }
                    shared.watchResults[id] = (generation, result.replacing(earlier))
                }
            }
            return Task {
                var ending = WatchError.failed(reason: "\(target.admin) ended the watch")
                do {
                    for try await _ in updates {}
                } catch let error as WatchError {
                    ending = error
                } catch {
                    ending = .failed(reason: String(describing: error))
                }
                let event = WatchEvent(router: id, generation: generation, ended: ending,
                                       delivered: delivered.withLockedValue { $0 })
                shared.withLockedValue { $0.watchEvents.append(event) }
            }
        }

        private func record(
            _ result: Result<StatsDocument, PollError>, for endpoint: RouterEndpoint, duration: Duration,
            in routers: inout Routers, at now: Duration
        ) {
            // A router removed from the fleet while its poll ran: nobody wants the result.
            guard let before = routers.schedule[endpoint.id] else { return }
            var retryIn: Duration?
            switch result {
            case .success(let document):
                routers.schedule.recordSuccess(endpoint.id, at: now)
                if configuration.watch, let action = routers.plan.pollSucceeded(endpoint, document: document, at: now) {
                    carry(action, in: &routers, at: now)
                }
                if before.consecutiveFailures > 0 {
                    logger.debug("router answers again", metadata: ["router": "\(endpoint.id)"])
                }
            case .failure(let error):
                let wait = routers.schedule.recordFailure(endpoint.id, at: now)
                retryIn = wait
                if before.consecutiveFailures == 0 {
                    logger.debug("router poll failed", metadata: ["router": "\(endpoint.id)", "error": "\(error)"])
                }
            }
            let failures = routers.schedule[endpoint.id]?.consecutiveFailures ?? 0
            continuation.yield(PollResult(router: endpoint.id, result: result, duration: duration,
                                          consecutiveFailures: failures, retryIn: retryIn))
        }

        /// Starts a poll of `endpoint`, its outcome to be sent to `sink`.
        private func poll(_ endpoint: RouterEndpoint, clock: ContinuousClock, into sink: AsyncStream<Event>.Continuation) {
            let start = clock.now
            control.poll(endpoint) { outcome in
                let result = outcome.mapError { error in
                    error as? PollError
                        ?? PollError(router: endpoint.id, address: endpoint.stats, kind: .other(message: String(describing: error)))
                }
                sink.yield(.polled(endpoint, result, start.duration(to: clock.now)))
            }
        }
    }
}
