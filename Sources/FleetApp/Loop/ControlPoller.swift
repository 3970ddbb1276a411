import FleetModel
import RouterWire
import Synchronization

/// A `PollingSource` over any `FleetControl`: every interval it polls all routers concurrently,
/// each within a time limit, records the results in its `FleetSnapshot` and delivers it.
/// A router that keeps failing is retried with exponential backoff (capped), never dropped.
public final class ControlPoller: PollingSource {
    private let control: any FleetControl
    private let endpoints: [RouterEndpoint]
    private let interval: Double
    private let timeout: Double
    private let clock: any FleetClock
    private let state: Mutex<State>

    private struct State: Sendable {
        var snapshot: FleetSnapshot
        var paused = false
        var forced = false
        var stopped = false
        var wake: AsyncStream<Void>.Continuation?
        var tasks: [Task<Void, Never>] = []
        var nextDue: [RouterID: FleetInstant] = [:]
        var failures: [RouterID: Int] = [:]
        var rounds = 0
    }

    /// The longest wait between attempts at a failing router, in seconds.
    public static let maximumBackoff: Double = 30

    /// Creates a poller; nothing happens until `start`.
    ///
    /// - Parameters:
    ///   - configuration: the snapshot's tunables; its `interval` is the poll interval.
    ///   - timeout: seconds each router may take per poll.
    public init(
        control: any FleetControl, endpoints: [RouterEndpoint], configuration: FleetSnapshot.Configuration,
        timeout: Double, clock: any FleetClock
    ) {
        self.control = control
        self.endpoints = endpoints
        self.interval = configuration.interval
        self.timeout = timeout
        self.clock = clock
        self.state = Mutex(State(snapshot: FleetSnapshot(endpoints: endpoints, configuration: configuration)))
    }

    /// Completed poll rounds (for tests and diagnostics).
    public var completedRounds: Int { state.withLock { $0.rounds } }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        // Newest-only buffering: wake-ups that pile up during a slow round collapse into one.
        let (stream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let interval = self.interval
        let rounds = Task.detached { [self] in
            for await _ in stream {
                if Task.isCancelled { break }
                await self.round(deliver: deliver)
            }
        }
        let timer = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                wake.yield()
            }
        }
        let started = state.withLock { state -> Bool in
            guard !state.stopped, state.wake == nil else { return false }
            state.wake = wake
            state.tasks = [rounds, timer]
            return true
        }
        guard started else {
            rounds.cancel()
            timer.cancel()
            wake.finish()
            return
        }
        wake.yield()
    }

    public func stop() {
        let (wake, tasks) = state.withLock { state in
            state.stopped = true
            defer { state.wake = nil; state.tasks = [] }
            return (state.wake, state.tasks)
        }
        for task in tasks { task.cancel() }
        wake?.finish()
    }

    public func refreshNow() {
        let wake = state.withLock { state in
            state.forced = true
            return state.wake
        }
        wake?.yield()
    }

    public func setPaused(_ paused: Bool) {
        state.withLock { $0.paused = paused }
    }

    private func round(deliver: @Sendable (FleetSnapshot) -> Void) async {
        let now = clock.now()
        let due = state.withLock { state -> [RouterEndpoint]? in
            let forced = state.forced
            state.forced = false
            if state.stopped || (state.paused && !forced) { return nil }
            return forced ? endpoints : endpoints.filter { (state.nextDue[$0.id] ?? now) <= now }
        }
        guard let due, !due.isEmpty else { return }
        let results = await Self.pollAll(due, control: control, timeout: timeout)
        let finished = clock.now()
        let snapshot = state.withLock { state -> FleetSnapshot? in
            guard !state.stopped else { return nil }
            for endpoint in due {
                guard let result = results[endpoint.id] else { continue }
                state.snapshot.record(result, for: endpoint.id, at: finished)
                switch result {
                case .success:
                    state.failures[endpoint.id] = nil
                    state.nextDue[endpoint.id] = nil
                case .failure:
                    let failures = (state.failures[endpoint.id] ?? 0) + 1
                    state.failures[endpoint.id] = failures
                    state.nextDue[endpoint.id] = finished + Self.backoff(failures: failures, interval: interval)
                }
            }
            state.rounds += 1
            return state.snapshot
        }
        if let snapshot { deliver(snapshot) }
    }

    /// Seconds to wait before the next attempt after `failures` failures in a row: one interval
    /// after the first, doubling, at most `maximumBackoff` (or the interval, if longer).
    public static func backoff(failures: Int, interval: Double) -> Double {
        let doubled = interval * Double(1 << min(max(failures - 1, 0), 20))
        return min(doubled, max(interval, maximumBackoff))
    }

    /// Polls `endpoints` concurrently through `control`, each within `timeout` seconds.
    public static func pollAll(
        _ endpoints: [RouterEndpoint], control: any FleetControl, timeout: Double
    ) async -> [RouterID: Result<StatsDocument, any Error>] {
        await withTaskGroup(of: (RouterID, Result<StatsDocument, any Error>).self) { group in
            for endpoint in endpoints {
                group.addTask {
                    let result = await Deadline.run(seconds: timeout, operation: "poll \(endpoint.stats)") {
                        try await control.poll(endpoint)
                    }
                    return (endpoint.id, result)
                }
            }
            var results: [RouterID: Result<StatsDocument, any Error>] = [:]
            for await (id, result) in group { results[id] = result }
            return results
        }
    }
}
