import FleetClient
import FleetModel
import RouterWire
import Synchronization

/// FleetClient's `FleetPoller` as the UI loop's `PollingSource`: records each `PollResult` in one
/// `FleetSnapshot` and delivers the snapshot.
///
/// After `start` and `refreshNow` every router is polled at once, and the snapshot is delivered
/// only when all of them have answered (or failed, within the control's timeout), so the frame
/// after a refresh shows the whole fleet, not the fastest router. In between, each result is
/// delivered as it comes (the inbox keeps only the newest).
public final class FleetPollerSource: PollingSource {
    private let poller: FleetPoller
    private let clock: any FleetClock
    private let state: Mutex<State>

    private struct State: Sendable {
        var snapshot: FleetSnapshot
        /// The routers polled now.
        var endpoints: [RouterID]
        var deliver: (@Sendable (FleetSnapshot) -> Void)?
        /// Routers a refresh still waits for; deliveries are held until it is empty.
        var awaiting: Set<RouterID> = []
        /// The operator paused; a refresh resumes the poller until `awaiting` empties.
        var paused = false
        var consumer: Task<Void, Never>?
        var stopped = false
        var delivered = 0
    }

    /// Creates a source polling `endpoints` through `control` every `configuration.interval`
    /// seconds; nothing happens until `start`.
    public init(
        control: any FleetControl, endpoints: [RouterEndpoint], configuration: FleetSnapshot.Configuration,
        clock: any FleetClock
    ) {
        let interval = Duration.milliseconds(Int64((max(configuration.interval, 0.01) * 1000).rounded()))
        self.poller = FleetPoller(control: control, endpoints: endpoints,
                                  configuration: .init(interval: interval, watch: configuration.pushedStats))
        self.clock = clock
        self.state = Mutex(State(snapshot: FleetSnapshot(endpoints: endpoints, configuration: configuration),
                                 endpoints: endpoints.map(\.id)))
    }

    /// Snapshots delivered so far (for tests and diagnostics).
    public var deliveries: Int { state.withLock { $0.delivered } }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        let results = poller.results
        let consumer = Task.detached { [self] in
            for await result in results {
                if let snapshot = self.record(result) { deliver(snapshot) }
            }
        }
        let started = state.withLock { state -> Bool in
            guard !state.stopped, state.consumer == nil else { return false }
            state.consumer = consumer
            state.deliver = deliver
            // Set before the poller starts: its first results can arrive before `refreshNow`
            // below runs, and were then delivered one router at a time.
            state.awaiting = Set(state.endpoints)
            return true
        }
        guard started else {
            consumer.cancel()
            return
        }
        // The refresh is requested before the poller runs: requested after, its first tick could
        // come first (a loaded machine, a sanitizer) and poll only the routers due at once,
        // then the refresh polled them again and a second snapshot followed the first unasked.
        refreshNow()
        poller.start()
    }

    public func stop() {
        let consumer = state.withLock { state in
            state.stopped = true
            defer { state.consumer = nil }
            return state.consumer
        }
        poller.stop()
        consumer?.cancel()
    }

    public func refreshNow() {
        let resume = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.awaiting = Set(state.endpoints)
            return state.paused
        }
        if resume { poller.resume() }
        poller.refreshNow()
    }

    /// Replaces the routers polled (the fleet registry changed): new ones are polled at once,
    /// removed ones stay in the snapshot as gone for a while. The new snapshot is delivered.
    public func setEndpoints(_ endpoints: [RouterEndpoint]) {
        let now = clock.now()
        let (snapshot, deliver) = state.withLock { state -> (FleetSnapshot?, (@Sendable (FleetSnapshot) -> Void)?) in
            guard !state.stopped else { return (nil, nil) }
            state.snapshot.setEndpoints(endpoints, keepingGoneAt: now)
            state.endpoints = endpoints.map(\.id)
            state.awaiting.formIntersection(state.endpoints)
            return (state.snapshot, state.deliver)
        }
        guard let snapshot else { return }
        poller.setEndpoints(endpoints)
        deliver?(snapshot)
    }

    /// Replaces the fleet intents shown with the snapshot, and delivers it.
    public func setIntents(_ intents: [FleetIntentLine]) {
        let (snapshot, deliver) = state.withLock { state -> (FleetSnapshot?, (@Sendable (FleetSnapshot) -> Void)?) in
            guard !state.stopped else { return (nil, nil) }
            state.snapshot.setIntents(intents)
            return (state.snapshot, state.deliver)
        }
        if let snapshot { deliver?(snapshot) }
    }

    public func setPaused(_ paused: Bool) {
        state.withLock { $0.paused = paused }
        if paused { poller.pause() } else { poller.resume() }
    }

    /// Records one result; returns the snapshot to deliver, or nil while a refresh is incomplete.
    private func record(_ result: PollResult) -> FleetSnapshot? {
        let now = clock.now()
        let (snapshot, pauseAgain) = state.withLock { state -> (FleetSnapshot?, Bool) in
            guard !state.stopped else { return (nil, false) }
            switch result.result {
            case let .success(document):
                if result.unchanged {
                    state.snapshot.recordUnchanged(for: result.router, at: now)
                } else {
                    state.snapshot.recordSuccess(document, for: result.router, at: now)
                }
            // The router's row already names it and its address.
            case let .failure(error): state.snapshot.recordFailure(error.problem, for: result.router, at: now)
            }
            let waiting = !state.awaiting.isEmpty
            state.awaiting.remove(result.router)
            guard state.awaiting.isEmpty else { return (nil, false) }
            state.delivered += 1
            return (state.snapshot, waiting && state.paused)
        }
        if pauseAgain { poller.pause() }
        return snapshot
    }
}
