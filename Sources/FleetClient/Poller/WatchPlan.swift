import FleetModel
import RouterWire

/// Which routers the poller watches (fleetrouter's pushed stats, `GET /v1/watch`) instead of
/// polling, as a pure value: time is a `Duration` since the poller's origin.
///
/// A router is polled until a poll shows it can be watched (`WatchTarget`); then a watch
/// starts while polls go on (`starting`), and only once the watch has delivered a document
/// are its polls skipped (`watching`). A watch that breaks returns the router to polling at
/// once and is tried again after a backoff (the interval doubled per failure in a row, at most
/// `maximumRetry`); a router that has no watch (`unsupported`) is polled for good. Real uWSGI
/// routers are never watched.
public struct WatchPlan: Sendable {
    /// What the poller does for one router.
    public enum Mode: Sendable, Hashable {
        /// Polled; a watch may start after a poll.
        case polling
        /// A watch is connecting; polls go on.
        case starting(WatchTarget)
        /// The watch delivers; polls are skipped.
        case watching(WatchTarget)
        /// The router has no watch: polled for good.
        case unsupported
    }

    /// What the poller must do after a change.
    public enum Action: Sendable, Hashable {
        /// Start watching `target` for `endpoint`; the watch reports with `generation`.
        case start(RouterEndpoint, WatchTarget, generation: Int)
        /// Stop the watch of this router (its task) and poll it now.
        case stop(RouterID)
        /// Poll this router now (its watch ended).
        case pollNow(RouterID)
    }

    private struct Entry: Sendable {
        var endpoint: RouterEndpoint
        var mode = Mode.polling
        var failures = 0
        var retryAt = Duration.zero
        var generation = 0
    }

    /// The watch interval (the poll interval).
    public let interval: Duration
    /// The longest wait before watching again after failures.
    public let maximumRetry: Duration
    private var entries: [RouterID: Entry] = [:]
    private var generations = 0

    /// Creates an empty plan.
    public init(interval: Duration, maximumRetry: Duration = .seconds(60)) {
        self.interval = interval
        self.maximumRetry = maximumRetry
    }

    /// True when `generation` is the watch of `id` the plan runs now (starting or watching).
    public func isCurrent(_ id: RouterID, generation: Int) -> Bool {
        guard let entry = entries[id], entry.generation == generation else { return false }
        switch entry.mode {
        case .starting, .watching: return true
        case .polling, .unsupported: return false
        }
    }

    /// The mode of `id` (`polling` for a router the plan has not seen).
    public func mode(of id: RouterID) -> Mode {
        entries[id]?.mode ?? .polling
    }

    /// True when `id`'s polls are skipped because its watch delivers.
    public func skipsPolls(of id: RouterID) -> Bool {
        if case .watching = mode(of: id) { return true }
        return false
    }

    /// A poll of `endpoint` returned `document` at `now`: starts a watch when the router can be
    /// watched and is not backing off.
    public mutating func pollSucceeded(_ endpoint: RouterEndpoint, document: StatsDocument, at now: Duration) -> Action? {
        var entry = entries[endpoint.id] ?? Entry(endpoint: endpoint)
        defer { entries[endpoint.id] = entry }
        guard case .polling = entry.mode, now >= entry.retryAt,
              let target = WatchTarget(endpoint: endpoint, document: document) else { return nil }
        generations += 1
        entry.generation = generations
        entry.endpoint = endpoint
        entry.mode = .starting(target)
        return .start(endpoint, target, generation: generations)
    }

    /// The watch of `id` (its `generation`) delivered its first document: its polls stop.
    public mutating func watchDelivered(_ id: RouterID, generation: Int) {
        guard var entry = entries[id], entry.generation == generation, case let .starting(target) = entry.mode else { return }
        entry.mode = .watching(target)
        entry.failures = 0
        entries[id] = entry
    }

    /// The watch of `id` (its `generation`) ended at `now` with `error`; `delivered` says
    /// whether it had delivered anything (then the failures in a row start again).
    public mutating func watchEnded(_ id: RouterID, generation: Int, error: WatchError, delivered: Bool, at now: Duration) -> Action? {
        guard var entry = entries[id], entry.generation == generation else { return nil }
        switch entry.mode {
        case .starting, .watching: break
        case .polling, .unsupported: return nil
        }
        defer { entries[id] = entry }
        switch error {
        case .unsupported:
            entry.mode = .unsupported
        case .failed:
            if delivered { entry.failures = 0 }
            entry.failures += 1
            entry.mode = .polling
            entry.retryAt = now + retryDelay(afterFailures: entry.failures)
        }
        return .pollNow(id)
    }

    /// The wait before watching again after `failures` broken watches in a row.
    func retryDelay(afterFailures failures: Int) -> Duration {
        var delay = interval
        for _ in 0..<min(failures, 16) {
            delay *= 2
            if delay >= maximumRetry { return maximumRetry }
        }
        return delay
    }

    /// Keeps the routers of `endpoints`: a watch of a router that left, or whose addresses
    /// changed, is stopped (and the router polled afresh).
    public mutating func retain(_ endpoints: [RouterEndpoint]) -> [Action] {
        let kept = Dictionary(endpoints.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var actions: [Action] = []
        for (id, entry) in entries {
            let watched: Bool
            switch entry.mode {
            case .starting, .watching: watched = true
            case .polling, .unsupported: watched = false
            }
            guard let endpoint = kept[id] else {
                entries[id] = nil
                if watched { actions.append(.stop(id)) }
                continue
            }
            if endpoint != entry.endpoint {
                entries[id] = Entry(endpoint: endpoint)
                if watched { actions.append(.stop(id)) }
            }
        }
        return actions
    }
}
