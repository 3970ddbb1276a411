import RouterWire

/// The whole fleet as last seen: one `RouterEntry` per configured router, updated by poll
/// results. A value type: the dashboard keeps it in its state and renders from it.
///
/// Time is passed in (`at:`) or read from an injected `FleetClock`; nothing here sleeps.
public struct FleetSnapshot: Sendable, Hashable {
    /// Tunables of the snapshot.
    public struct Configuration: Sendable, Hashable {
        /// Seconds between polls.
        public var interval: Double
        /// A router is stale after this many intervals without a successful poll.
        public var staleAfterIntervals: Double
        /// Samples kept for sparklines.
        public var historyCapacity: Int
        /// Successful polls a vanished node stays listed as gone.
        public var goneRetentionPolls: Int
        /// uWSGI's `--subscription-tolerance` (17 s by default): a real uWSGI node not announced
        /// for longer is shown as "expired?" (uWSGI expires lazily, reference §2.5).
        public var subscriptionTolerance: Double

        /// Creates a configuration.
        public init(
            interval: Double = 1, staleAfterIntervals: Double = 3, historyCapacity: Int = 60,
            goneRetentionPolls: Int = 3, subscriptionTolerance: Double = 17
        ) {
            self.interval = interval
            self.staleAfterIntervals = staleAfterIntervals
            self.historyCapacity = historyCapacity
            self.goneRetentionPolls = goneRetentionPolls
            self.subscriptionTolerance = subscriptionTolerance
        }

        /// Seconds without a successful poll after which a router is stale.
        public var staleWindow: Double { interval * staleAfterIntervals }
    }

    /// Tunables.
    public var configuration: Configuration
    /// Router identities in configuration order.
    public private(set) var order: [RouterID]
    /// Entries by identity.
    public private(set) var routers: [RouterID: RouterEntry]

    /// Creates a snapshot of routers that have not been polled yet.
    public init(endpoints: [RouterEndpoint], configuration: Configuration = .init()) {
        self.configuration = configuration
        self.order = []
        self.routers = [:]
        setEndpoints(endpoints)
    }

    /// The entries in configuration order.
    public var entries: [RouterEntry] { order.compactMap { routers[$0] } }

    /// The entry of one router.
    public subscript(id: RouterID) -> RouterEntry? { routers[id] }

    /// Replaces the router list (fleet file reloaded): kept routers keep their data, new ones
    /// start unpolled, removed ones are dropped at once.
    public mutating func setEndpoints(_ endpoints: [RouterEndpoint]) {
        var next: [RouterID: RouterEntry] = [:]
        var nextOrder: [RouterID] = []
        for endpoint in endpoints where next[endpoint.id] == nil {
            var entry = routers[endpoint.id] ?? RouterEntry(endpoint: endpoint, historyCapacity: configuration.historyCapacity)
            entry.endpoint = endpoint
            next[endpoint.id] = entry
            nextOrder.append(endpoint.id)
        }
        routers = next
        order = nextOrder
    }

    /// Records a poll result for `id` at `now`; results for unknown routers are ignored.
    public mutating func record(_ result: Result<StatsDocument, any Error>, for id: RouterID, at now: FleetInstant) {
        switch result {
        case let .success(document): recordSuccess(document, for: id, at: now)
        case let .failure(error): recordFailure(String(describing: error), for: id, at: now)
        }
    }

    /// Records a poll result for `id`, reading the time from `clock`.
    public mutating func record(_ result: Result<StatsDocument, any Error>, for id: RouterID, clock: any FleetClock) {
        record(result, for: id, at: clock.now())
    }

    /// Records a successful poll: shifts latest to previous, computes rates, updates presence.
    public mutating func recordSuccess(_ document: StatsDocument, for id: RouterID, at now: FleetInstant) {
        guard var entry = routers[id] else { return }
        let capacity = configuration.historyCapacity
        let firstSuccess = entry.latest == nil

        if let latest = entry.latest, let latestAt = entry.latestAt {
            entry.rates = RateCalculator.rates(previous: latest, at: latestAt, current: document, at: now)
        } else {
            entry.rates = nil
        }
        updateNodes(&entry, with: document, firstSuccess: firstSuccess, capacity: capacity)
        if let rates = entry.rates {
            entry.requestHistory.append(rates.requestsPerSecond)
            for (nodeID, rate) in rates.nodeRequestsPerSecond {
                entry.nodes[nodeID]?.history.append(rate)
            }
        }
        entry.storedPresence = firstSuccess ? .new : .present
        entry.previous = entry.latest
        entry.previousAt = entry.latestAt
        entry.latest = document
        entry.latestAt = now
        entry.lastError = nil
        entry.consecutiveFailures = 0
        entry.successfulPolls += 1
        evaluate(&entry, now: now)
        routers[id] = entry
    }

    /// Records a failed poll with its error message.
    public mutating func recordFailure(_ error: String, for id: RouterID, at now: FleetInstant) {
        guard var entry = routers[id] else { return }
        entry.lastError = error
        entry.consecutiveFailures += 1
        evaluate(&entry, now: now)
        routers[id] = entry
    }

    /// Re-evaluates every router's health at `now` (time passes without poll results when a
    /// router hangs).
    public mutating func refresh(at now: FleetInstant) {
        for id in order {
            guard var entry = routers[id] else { continue }
            evaluate(&entry, now: now)
            routers[id] = entry
        }
    }

    /// Re-evaluates health, reading the time from `clock`.
    public mutating func refresh(clock: any FleetClock) {
        refresh(at: clock.now())
    }

    private func evaluate(_ entry: inout RouterEntry, now: FleetInstant) {
        if let at = entry.latestAt {
            entry.status = now - at <= configuration.staleWindow
                ? .ok(at: at)
                : .stale(since: at, lastError: entry.lastError)
        } else if let error = entry.lastError {
            entry.status = .unreachable(error: error)
        } else {
            entry.status = .neverPolled
        }
    }

    private func updateNodes(_ entry: inout RouterEntry, with document: StatsDocument, firstSuccess: Bool, capacity: Int) {
        let current = document.nodesByID
        let currentIDs = Set(current.map(\.0))
        var tracks: [NodeID: NodeTrack] = [:]
        for (id, _) in current {
            if var track = entry.nodes[id] {
                track.presence = .present
                tracks[id] = track
            } else {
                // On a router's first poll every node is simply there; "new" means it appeared
                // between two polls we saw.
                tracks[id] = NodeTrack(presence: firstSuccess ? .present : .new, historyCapacity: capacity)
            }
        }
        var gone: [NodeID: GoneNode] = [:]
        for (id, var old) in entry.goneNodes where !currentIDs.contains(id) {
            old.polls += 1
            if old.polls <= configuration.goneRetentionPolls { gone[id] = old }
        }
        for (id, lastSeen) in entry.latest?.nodesByID ?? [] where !currentIDs.contains(id) && configuration.goneRetentionPolls > 0 {
            gone[id] = GoneNode(id: id, lastSeen: lastSeen, polls: 1)
        }
        entry.nodes = tracks
        entry.goneNodes = gone
    }
}
