import FleetModel

/// When each router is polled next, as a pure value: time is a `Duration` since an arbitrary
/// origin, passed in by the caller. The first round is spread evenly over one interval so a
/// large fleet is not polled in one burst; a router keeps its phase while it answers, and
/// backs off (`BackoffPolicy`) while it fails.
public struct PollSchedule: Sendable {
    /// One router's place in the schedule.
    public struct Entry: Sendable, Hashable {
        /// The router.
        public var endpoint: RouterEndpoint
        /// When it is due next.
        public var nextDue: Duration
        /// Failures in a row (0 after a success).
        public var consecutiveFailures: Int
        /// True while a poll of it is running.
        public var inFlight: Bool
    }

    /// The normal time between two polls of a router.
    public var interval: Duration
    /// The retry policy for failing routers.
    public var backoff: BackoffPolicy
    /// Routers in fleet order.
    public private(set) var entries: [Entry]
    private var index: [RouterID: Int]

    /// Schedules `endpoints`, the first round spread over `[start, start + interval)`.
    public init(endpoints: [RouterEndpoint], interval: Duration, backoff: BackoffPolicy, start: Duration) {
        self.interval = interval
        self.backoff = backoff
        self.entries = []
        self.index = [:]
        setEndpoints(endpoints, at: start)
    }

    /// The entry of `id`.
    public subscript(id: RouterID) -> Entry? {
        index[id].map { entries[$0] }
    }

    /// Replaces the router list: kept routers keep their state, new ones are spread over the
    /// next interval, removed ones are dropped (a poll in flight for them is ignored on return).
    public mutating func setEndpoints(_ endpoints: [RouterEndpoint], at now: Duration) {
        var seen = Set<RouterID>()
        let unique = endpoints.filter { seen.insert($0.id).inserted }
        let fresh = unique.filter { index[$0.id] == nil }
        var byID: [RouterID: Entry] = [:]
        for endpoint in unique {
            if var entry = self[endpoint.id] {
                entry.endpoint = endpoint
                byID[endpoint.id] = entry
            }
        }
        for (offset, endpoint) in fresh.enumerated() {
            let due = now + interval * offset / fresh.count
            byID[endpoint.id] = Entry(endpoint: endpoint, nextDue: due, consecutiveFailures: 0, inFlight: false)
        }
        entries = unique.compactMap { byID[$0.id] }
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.endpoint.id, $0) })
    }

    /// Takes up to `limit` routers due at `now` (earliest first) and marks them in flight.
    public mutating func takeDue(at now: Duration, limit: Int) -> [RouterEndpoint] {
        guard limit > 0 else { return [] }
        var due: [Int] = []
        for position in entries.indices where !entries[position].inFlight && entries[position].nextDue <= now {
            due.append(position)
        }
        if due.count > limit {
            due.sort { entries[$0].nextDue < entries[$1].nextDue }
            due.removeLast(due.count - limit)
        }
        return due.map { position in
            entries[position].inFlight = true
            return entries[position].endpoint
        }
    }

    /// The earliest due time of a router not in flight, nil when all are in flight.
    public var earliestDue: Duration? {
        entries.lazy.filter { !$0.inFlight }.map(\.nextDue).min()
    }

    /// Records a successful poll of `id` finished at `now`: next due one interval after the
    /// last due time, or one interval from now when the router fell a round behind.
    public mutating func recordSuccess(_ id: RouterID, at now: Duration) {
        guard let position = index[id] else { return }
        var entry = entries[position]
        entry.inFlight = false
        entry.consecutiveFailures = 0
        let next = entry.nextDue + interval
        entry.nextDue = next > now ? next : now + interval
        entries[position] = entry
    }

    /// Records a failed poll of `id` finished at `now`; returns the wait before its retry.
    @discardableResult
    public mutating func recordFailure(_ id: RouterID, at now: Duration) -> Duration {
        guard let position = index[id] else { return interval }
        entries[position].inFlight = false
        entries[position].consecutiveFailures += 1
        let wait = backoff.delay(afterFailures: entries[position].consecutiveFailures, interval: interval)
        entries[position].nextDue = now + wait
        return wait
    }

    /// Makes `id` due at `now` unless a poll of it is running (its watch ended).
    public mutating func makeDue(_ id: RouterID, at now: Duration) {
        guard let position = index[id], !entries[position].inFlight else { return }
        entries[position].nextDue = now
    }

    /// Makes every router not in flight due at `now` (the operator's refresh), backing-off
    /// ones included; their failure counts stay.
    public mutating func makeAllDue(at now: Duration) {
        for position in entries.indices where !entries[position].inFlight {
            entries[position].nextDue = now
        }
    }
}
