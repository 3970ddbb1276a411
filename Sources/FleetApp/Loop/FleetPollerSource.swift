import FleetClient
import FleetModel
import RouterWire
import Synchronization

/// FleetClient's `FleetPoller` as the UI loop's `PollingSource`: records each `PollResult` in one
/// `FleetSnapshot` and delivers the snapshot.
///
/// After `start` and `refreshNow` every router is polled at once, and the snapshot is delivered
/// only when all of them have answered (or failed, within the control's timeout), so the frame
/// after a refresh shows the whole fleet, not the fastest router. In between, results are
/// recorded as they come and the snapshot is delivered at most once per `deliveryPace` (a
/// quarter of the interval, 10 to 250 ms), the last result of a burst included. Delivering per
/// result would cost the whole fleet per result: the UI holds the delivered snapshot, so the
/// next result recorded copies every router's entry (O(fleet²) per interval).
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
        /// When the last snapshot was delivered.
        var lastDelivery: ContinuousClock.Instant?
        /// A delivery is due at the end of the current pace (results recorded since the last).
        var flushScheduled = false
        /// Numbers the snapshots taken for delivery, in the order they were taken.
        var taken = 0

        /// The snapshot to deliver, and its number.
        mutating func take() -> (FleetSnapshot, Int) {
            taken += 1
            return (snapshot, taken)
        }
    }

    /// The number of the newest snapshot handed to `deliver`: deliveries decided under the
    /// state's lock are made outside it, from several tasks, and an older one arriving late is
    /// dropped rather than shown over a newer one.
    private let handed = Mutex(0)
    /// What snapshots are delivered with worked out, and the Fleet rows' last order (the next
    /// sort of rows with the same keys reuses it).
    private let preparation = Mutex((wanted: SnapshotPreparation(), order: SortedOrder<RouterColumn>?.none))
    /// The shortest time between two deliveries outside a refresh.
    public let deliveryPace: Duration
    private let paceClock = ContinuousClock()

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
        self.deliveryPace = min(max(interval / 4, .milliseconds(10)), .milliseconds(250))
        self.state = Mutex(State(snapshot: FleetSnapshot(endpoints: endpoints, configuration: configuration),
                                 endpoints: endpoints.map(\.id)))
    }

    /// Snapshots delivered so far (for tests and diagnostics).
    public var deliveries: Int { state.withLock { $0.delivered } }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        let results = poller.results
        let consumer = Task.detached { [self] in
            for await result in results {
                if case let (snapshot, number)? = self.record(result) { hand(snapshot, number: number, to: deliver) }
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
        let (taken, deliver) = state.withLock { state -> ((FleetSnapshot, Int)?, (@Sendable (FleetSnapshot) -> Void)?) in
            guard !state.stopped else { return (nil, nil) }
            state.snapshot.setEndpoints(endpoints, keepingGoneAt: now)
            state.endpoints = endpoints.map(\.id)
            state.awaiting.formIntersection(state.endpoints)
            return (state.take(), state.deliver)
        }
        guard case let (snapshot, number)? = taken else { return }
        poller.setEndpoints(endpoints)
        if let deliver { hand(snapshot, number: number, to: deliver) }
    }

    /// Replaces the fleet intents shown with the snapshot, and delivers it.
    public func setIntents(_ intents: [FleetIntentLine]) {
        let (taken, deliver) = state.withLock { state -> ((FleetSnapshot, Int)?, (@Sendable (FleetSnapshot) -> Void)?) in
            guard !state.stopped else { return (nil, nil) }
            state.snapshot.setIntents(intents)
            return (state.take(), state.deliver)
        }
        if case let (snapshot, number)? = taken, let deliver { hand(snapshot, number: number, to: deliver) }
    }

    public func setPaused(_ paused: Bool) {
        state.withLock { $0.paused = paused }
        if paused { poller.pause() } else { poller.resume() }
    }

    public func setPreparation(_ preparation: SnapshotPreparation) {
        self.preparation.withLock { $0.wanted = preparation }
    }

    /// Records one result; returns the snapshot to deliver now, or nil while a refresh is
    /// incomplete or the last delivery is more recent than `deliveryPace` (a delivery is then
    /// scheduled for the end of the pace).
    private func record(_ result: PollResult) -> (FleetSnapshot, Int)? {
        let now = clock.now()
        let instant = paceClock.now
        let pace = deliveryPace
        let (taken, pauseAgain, flushAt) = state.withLock { state -> ((FleetSnapshot, Int)?, Bool, ContinuousClock.Instant?) in
            guard !state.stopped else { return (nil, false, nil) }
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
            guard state.awaiting.isEmpty else { return (nil, false, nil) }
            // A refresh that just completed is delivered at once.
            if !waiting, let last = state.lastDelivery, instant - last < pace {
                guard !state.flushScheduled else { return (nil, false, nil) }
                state.flushScheduled = true
                return (nil, false, last + pace)
            }
            state.delivered += 1
            state.lastDelivery = instant
            state.flushScheduled = false
            return (state.take(), waiting && state.paused, nil)
        }
        if pauseAgain { poller.pause() }
        if let flushAt {
            Task.detached { [self] in
                try? await Task.sleep(until: flushAt, clock: paceClock)
                flush()
            }
        }
        return taken
    }

    /// Delivers the snapshot a paced result left waiting (unless a delivery came since).
    private func flush() {
        let instant = paceClock.now
        let (taken, deliver) = state.withLock { state -> ((FleetSnapshot, Int)?, (@Sendable (FleetSnapshot) -> Void)?) in
            guard !state.stopped, state.flushScheduled else { return (nil, nil) }
            state.flushScheduled = false
            // A refresh in progress delivers when it completes.
            guard state.awaiting.isEmpty else { return (nil, nil) }
            state.delivered += 1
            state.lastDelivery = instant
            return (state.take(), state.deliver)
        }
        if case let (snapshot, number)? = taken, let deliver { hand(snapshot, number: number, to: deliver) }
    }

    /// Hands snapshot `number` to `deliver` unless a newer one was handed already, with what
    /// the dashboard shows worked out first (here, outside the locks: recording goes on
    /// meanwhile, and the UI thread gets the Fleet rows and key aggregates ready).
    private func hand(_ snapshot: FleetSnapshot, number: Int, to deliver: @Sendable (FleetSnapshot) -> Void) {
        var snapshot = snapshot
        let (wanted, order) = preparation.withLock { ($0.wanted, $0.order) }
        if wanted != SnapshotPreparation() {
            guard handed.withLock({ number > $0 }) else { return }
            // The rows as of now (uWSGI's expiry): the dashboard takes them while as many of
            // their nodes have expired at its own time.
            let next = snapshot.prepare(wanted, at: clock.now(), reusing: order)
            if let next { preparation.withLock { $0.order = next } }
        }
        handed.withLock { newest in
            guard number > newest else { return }
            newest = number
            deliver(snapshot)
        }
    }
}
