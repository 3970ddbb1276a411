import RouterWire
import Synchronization

/// The whole fleet as last seen: one `RouterEntry` per configured router, updated by poll
/// results. A value type: the dashboard keeps it in its state and renders from it.
///
/// Time is passed in (`at:`) or read from an injected `FleetClock`; nothing here sleeps.
///
/// Every change gives the snapshot a new `version`, unique across all snapshots of the process,
/// so views derived from it (the dashboard's rows) can be cached by version. Recording a result
/// touches only that router's entry, in place.
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
        /// Seconds a router the fleet registry stopped listing stays in the table as gone.
        public var goneRouterRetention: Double = 60
        /// uWSGI's `--subscription-tolerance` (17 s by default): a real uWSGI node not announced
        /// for longer is shown as "expired?" (uWSGI expires lazily).
        public var subscriptionTolerance: Double
        /// Fleetrouters that offer it are watched (their pushed stats, one long-lived
        /// connection each) rather than polled; `fleettop --poll-only` turns it off.
        public var pushedStats = true

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
    public var configuration: Configuration {
        didSet {
            version = Self.nextVersion()
            preparedFleet = nil
            // Worked out with the old windows: the next tick looks at every router again.
            statusDeadlines = Array(repeating: -.infinity, count: statusDeadlines.count)
        }
    }
    /// Changes with every mutation; two snapshots with the same version have the same contents.
    public private(set) var version: UInt64
    /// The fleet-wide intents of the registry the routers come from; nil without a registry.
    public private(set) var intents: [FleetIntentLine]?
    /// Router identities in configuration order.
    public private(set) var order: [RouterID]
    // Entries by identity, each behind a reference (`RouterEntryBox`): a snapshot handed to the
    // UI shares this table with the one the poller goes on recording into, and the first
    // result after a delivery copies the table, one retain per router, and then only the
    // entry it changes (`modifyEntry`).
    private(set) var routers: [RouterID: RouterEntryBox]
    // Each router's Fleet row, updated with its entry, in `order` (derived: not part of
    // equality). An array, so the Fleet rows are read without hashing a router's name.
    private(set) var rowTemplates: [RouterRowTemplate] = []
    // Where each router is in `order` and `rowTemplates`.
    private(set) var positions: [RouterID: Int] = [:]
    // When each router's health can next change with time alone (seconds since the epoch, in
    // `order`, kept with `rowTemplates`): fresh data going stale, or a gone router's retention
    // ending; infinity when only a poll result can change it. A tick reads this one array and
    // looks at the routers whose time has come, not at every entry through its box (a cache
    // miss a router: 0.8 ms of the UI thread's tick at 10,000 routers).
    private(set) var statusDeadlines: [Double] = []
    // Numbers for the templates' keys; renumbered from scratch when keys that left the fleet
    // have made it four times the keys in use, so it does not grow with key churn.
    private var keyNumbers = KeyNumbers()
    private var keyNumbersLimit = Self.minimumKeyNumbersLimit
    private static let minimumKeyNumbersLimit = 4_096
    // Routers with uWSGI nodes that can expire (their summary's `expiringLastChecks`, never
    // empty here), so "now" is applied to those alone.
    private(set) var expiringLastChecks: [RouterID: [Double]] = [:]
    // Every key's aggregate over `rowTemplates` (no expiry applied), worked out off the UI
    // thread by `prepareKeyAggregates()`; nil until then. A changed template drops it, except a
    // change of health alone, which `refresh` applies to it (FleetSnapshot+KeyAggregates).
    var preparedKeyAggregates: [KeyAggregate]?
    // The Fleet table's rows and lines for one view, worked out off the UI thread by
    // `prepare(_:at:reusing:)` (FleetSnapshot+Preparation); nil until then, and dropped by any
    // change to a router.
    var preparedFleet: PreparedFleetLines?

    /// Creates a snapshot of routers that have not been polled yet.
    public init(endpoints: [RouterEndpoint], configuration: Configuration = .init()) {
        self.configuration = configuration
        self.version = Self.nextVersion()
        self.order = []
        self.routers = [:]
        setEndpoints(endpoints)
    }

    private static let versions = Atomic<UInt64>(0)

    private static func nextVersion() -> UInt64 {
        versions.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Same routers, data and configuration (the version is not compared).
    public static func == (lhs: FleetSnapshot, rhs: FleetSnapshot) -> Bool {
        if lhs.version == rhs.version { return true }
        return lhs.configuration == rhs.configuration && lhs.order == rhs.order && lhs.routers == rhs.routers
            && lhs.intents == rhs.intents
    }

    /// Hashes the contents (not the version).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(configuration)
        hasher.combine(order)
        hasher.combine(routers)
        hasher.combine(intents)
    }

    /// Replaces the intent list (the registry's intents changed).
    public mutating func setIntents(_ intents: [FleetIntentLine]?) {
        guard intents != self.intents else { return }
        self.intents = intents
        version = Self.nextVersion()
    }

    /// The entries in configuration order.
    public var entries: [RouterEntry] { order.compactMap { routers[$0]?.entry } }

    /// The entry of one router.
    public subscript(id: RouterID) -> RouterEntry? { routers[id]?.entry }

    /// Changes the entry at `index`: a box is never written, so the entry is taken out, its
    /// box let go (when no other snapshot holds it, its parts are then this copy's alone and
    /// change in place), changed, and put back in a new box.
    private mutating func modifyEntry<Value>(
        at index: [RouterID: RouterEntryBox].Index, _ body: (inout RouterEntry) -> Value
    ) -> Value {
        var entry = routers.values[index].entry
        routers.values[index] = RouterEntryBox.vacant
        let value = body(&entry)
        routers.values[index] = RouterEntryBox(entry)
        return value
    }

    /// Replaces the router list (fleet file reloaded): kept routers keep their data, new ones
    /// start unpolled, removed ones are dropped at once.
    public mutating func setEndpoints(_ endpoints: [RouterEndpoint]) {
        var next: [RouterID: RouterEntryBox] = [:]
        var nextOrder: [RouterID] = []
        for endpoint in endpoints where next[endpoint.id] == nil {
            if let kept = routers[endpoint.id], kept.entry.endpoint == endpoint {
                next[endpoint.id] = kept
            } else {
                var entry = routers[endpoint.id]?.entry ?? RouterEntry(endpoint: endpoint, historyCapacity: configuration.historyCapacity)
                entry.endpoint = endpoint
                next[endpoint.id] = RouterEntryBox(entry)
            }
            nextOrder.append(endpoint.id)
        }
        routers = next
        order = nextOrder
        var numbers = keyNumbers
        rowTemplates = nextOrder.compactMap { id in next[id].map { RouterRowTemplate(entry: $0.entry, keyNumbers: &numbers) } }
        statusDeadlines = nextOrder.compactMap { id in next[id].map { Self.statusDeadline(of: $0.entry, configuration) } }
        preparedKeyAggregates = nil
        preparedFleet = nil
        keyNumbers = numbers
        renumberKeysIfNeeded()
        positions = Dictionary(uniqueKeysWithValues: nextOrder.enumerated().map { ($1, $0) })
        expiringLastChecks = next.compactMapValues { box in
            box.entry.summary.flatMap { $0.expiringLastChecks.isEmpty ? nil : $0.expiringLastChecks }
        }
        version = Self.nextVersion()
    }

    /// Replaces the router list as the fleet registry reports it: kept routers keep their
    /// data, new ones start unpolled, and removed ones stay listed as gone (after the listed
    /// ones) until `configuration.goneRouterRetention` seconds pass; one that comes back is
    /// listed again with its history.
    public mutating func setEndpoints(_ endpoints: [RouterEndpoint], keepingGoneAt now: FleetInstant) {
        let listed = Set(endpoints.map(\.id))
        var gone: [RouterEntry] = []
        for id in order where !listed.contains(id) {
            guard var entry = routers[id]?.entry else { continue }
            if entry.goneSince == nil { entry.goneSince = now }
            gone.append(entry)
        }
        setEndpoints(endpoints + gone.map(\.endpoint))
        for var entry in gone {
            entry.evaluate(now: now, staleWindow: configuration.staleWindow)
            routers[entry.id] = RouterEntryBox(entry)
            setRowTemplate(of: entry)
        }
        for id in listed {
            guard let index = routers.index(forKey: id), routers.values[index].entry.goneSince != nil else { continue }
            let window = configuration.staleWindow
            modifyEntry(at: index) { entry in
                entry.goneSince = nil
                entry.evaluate(now: now, staleWindow: window)
            }
            updateRowTemplate(at: index)
        }
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
        guard let index = routers.index(forKey: id) else { return }
        version = Self.nextVersion()
        let configuration = self.configuration
        // In place: only this router's entry is touched, and its documents are not copied.
        modifyEntry(at: index) { $0.recordSuccess(document, at: now, configuration: configuration) }
        updateRowTemplate(at: index)
    }

    /// Records that `id`'s document has not changed since the last one (a watch's empty line):
    /// cheaper than `recordSuccess` with the same document, and the same result.
    public mutating func recordUnchanged(for id: RouterID, at now: FleetInstant) {
        guard let index = routers.index(forKey: id) else { return }
        let configuration = self.configuration
        guard modifyEntry(at: index, { $0.recordUnchanged(at: now, configuration: configuration) }) else { return }
        version = Self.nextVersion()
        updateRowTemplate(at: index)
    }

    // Called after every change to one entry.
    private mutating func updateRowTemplate(at index: [RouterID: RouterEntryBox].Index) {
        let entry = routers.values[index].entry
        setRowTemplate(of: entry)
        let expiring = entry.summary?.expiringLastChecks ?? []
        expiringLastChecks[entry.id] = expiring.isEmpty ? nil : expiring
    }

    private mutating func setRowTemplate(of entry: RouterEntry) {
        guard let position = positions[entry.id] else { return }
        rowTemplates[position] = RouterRowTemplate(entry: entry, keyNumbers: &keyNumbers)
        statusDeadlines[position] = Self.statusDeadline(of: entry, configuration)
        preparedKeyAggregates = nil
        preparedFleet = nil
        renumberKeysIfNeeded()
    }

    // Starts the key numbering again from the keys in use when it outgrew its limit.
    private mutating func renumberKeysIfNeeded() {
        guard keyNumbers.numbers.count > keyNumbersLimit else { return }
        var numbers = KeyNumbers()
        for index in rowTemplates.indices {
            rowTemplates[index].row = rowTemplates[index].row.renumbered(in: &numbers)
        }
        keyNumbers = numbers
        keyNumbersLimit = max(Self.minimumKeyNumbersLimit, 4 * numbers.numbers.count)
    }

    /// How many key names the row templates' numbering holds (for tests of its bound).
    var numberedKeyCount: Int { keyNumbers.numbers.count }

    /// Records a failed poll with its error message.
    public mutating func recordFailure(_ error: String, for id: RouterID, at now: FleetInstant) {
        guard let index = routers.index(forKey: id) else { return }
        version = Self.nextVersion()
        let window = configuration.staleWindow
        modifyEntry(at: index) { entry in
            entry.lastError = error
            entry.consecutiveFailures += 1
            entry.evaluate(now: now, staleWindow: window)
        }
        updateRowTemplate(at: index)
    }

    /// Re-evaluates every router's health at `now` (time passes without poll results when a
    /// router hangs).
    ///
    /// Only entries whose status changes are written, so a tick that changes nothing leaves the
    /// snapshot (and its version) as it was and copies nothing shared with other snapshots.
    public mutating func refresh(at now: FleetInstant) {
        // The routers whose health can have changed by now, from one array of numbers.
        var due: [RouterID] = []
        statusDeadlines.withUnsafeBufferPointer { deadlines in
            for position in deadlines.indices where deadlines[position] <= now.secondsSinceEpoch {
                due.append(order[position])
            }
        }
        guard !due.isEmpty else { return }
        let window = configuration.staleWindow
        var changed = false
        // Kept up to date here rather than dropped (the templates' writes below drop it): a
        // tick runs on the UI thread, and working the aggregates out again would cost it the
        // whole fleet whenever one router goes stale.
        var prepared = preparedKeyAggregates
        preparedKeyAggregates = nil
        // Read through the box member by member: a `let` of the whole entry would copy it.
        let expired = due.filter { id in
            guard let since = routers[id]?.entry.goneSince else { return false }
            return now - since > configuration.goneRouterRetention
        }
        if !expired.isEmpty {
            let drop = Set(expired)
            var kept: [RouterRowTemplate] = []
            var keptDeadlines: [Double] = []
            kept.reserveCapacity(order.count - drop.count)
            keptDeadlines.reserveCapacity(order.count - drop.count)
            for (position, id) in order.enumerated() {
                if drop.contains(id) {
                    if prepared?.remove(rowTemplates[position].row) == false { prepared = nil }
                } else {
                    kept.append(rowTemplates[position])
                    keptDeadlines.append(statusDeadlines[position])
                }
            }
            prepared?.dropUnlisted()
            order.removeAll { drop.contains($0) }
            rowTemplates = kept
            statusDeadlines = keptDeadlines
            positions = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            for id in expired {
                routers[id] = nil
                expiringLastChecks[id] = nil
            }
            changed = true
        }
        for id in due {
            guard let index = routers.index(forKey: id) else { continue }
            let status = routers.values[index].entry.status(at: now, staleWindow: window)
            if status != routers.values[index].entry.status {
                if let position = positions[id] {
                    if prepared?.change(rowTemplates[position].row, to: status) == false { prepared = nil }
                }
                modifyEntry(at: index) { $0.status = status }
                updateRowTemplate(at: index)
                changed = true
            } else if let position = positions[id] {
                // Not yet (a boundary not crossed, or windows changed): when it next can.
                statusDeadlines[position] = Self.statusDeadline(of: routers.values[index].entry, configuration)
            }
        }
        if changed {
            version = Self.nextVersion()
            // Health is in the rows and their groups' counts: the dashboard derives them again.
            preparedFleet = nil
        }
        preparedKeyAggregates = prepared
    }

    /// When `entry`'s health can next change with time alone (seconds since the epoch): a gone
    /// router's retention ending, or fresh data going stale; infinity when only a poll result
    /// can change it. A hair early rather than late (`nextDown`): looking too early changes
    /// nothing and looks again at the next tick.
    static func statusDeadline(of entry: RouterEntry, _ configuration: Configuration) -> Double {
        if let since = entry.goneSince { return (since.secondsSinceEpoch + configuration.goneRouterRetention).nextDown }
        if case .ok(let at) = entry.status { return (at.secondsSinceEpoch + configuration.staleWindow).nextDown }
        return .infinity
    }

    /// Re-evaluates health, reading the time from `clock`.
    public mutating func refresh(clock: any FleetClock) {
        refresh(at: clock.now())
    }
}

/// One router's entry behind a reference, so that copying a snapshot's table retains one
/// object per router rather than every field of every entry. Immutable: reading an entry
/// through its box borrows it (a `var` in a class is copied out for every method called on
/// it), and `FleetSnapshot.modifyEntry` puts a changed entry in a new box.
final class RouterEntryBox: Sendable, Hashable {
    /// The entry.
    let entry: RouterEntry

    init(_ entry: RouterEntry) {
        self.entry = entry
    }

    /// Holds a slot of the table while its entry is being changed.
    static let vacant = RouterEntryBox(RouterEntry(endpoint: RouterEndpoint(name: "", stats: .unix(path: "")), historyCapacity: 1))

    static func == (lhs: RouterEntryBox, rhs: RouterEntryBox) -> Bool {
        lhs === rhs || lhs.entry == rhs.entry
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(entry)
    }
}
