import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A router's client listeners as a `Service`: they accept from the moment they are bound;
/// on graceful shutdown they stop accepting and give open sessions `grace` to finish.
final class ClientListenerService: Service, Sendable {
    let listeners: [any ListenerControl]
    let grace: TimeAmount

    init(listeners: [any ListenerControl], grace: TimeAmount) {
        self.listeners = listeners
        self.grace = grace
    }

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }

    /// Stops every listener at once, each draining within the grace.
    func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for listener in listeners {
                group.addTask { await listener.stop(grace: self.grace) }
            }
        }
    }
}

/// Sweeps a router's subscription table every second, so a node that stopped announcing
/// leaves the stats (and cheap mode starts) without waiting for a request to find it.
struct ExpiryService: Service {
    let engine: RouterEngine
    var interval: Duration = .seconds(1)

    func run() async throws {
        await repeatUntilShutdown(every: interval) { engine.expire() }
    }
}

/// Runs `body` every `interval` until graceful shutdown (or cancellation).
func repeatUntilShutdown(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await body()
        }
    }
}

/// A one-time event that any number of tasks can wait for.
final class CompletionSignal: Sendable {
    private let state = NIOLockedValueBox<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Marks the event done and wakes every waiter.
    func complete() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `complete()` was called.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state -> Bool in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }
}

/// Folds the routers' figures into their metrics every `interval`, for a process whose
/// metrics also go to a backend nobody scrapes through `/metrics` (see `FleetMetricsExporter`).
struct MetricsFoldService: Service {
    let exporter: FleetMetricsExporter
    let engines: [RouterEngine]
    /// The admin handler, whose listener's refusals are counted too; nil without an admin API.
    let admin: FleetAdminHandler?
    var interval: Duration = .seconds(5)

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            await exporter.fold(engines, admin: admin?.adminLimit.withLockedValue { $0 })
        }
    }
}
