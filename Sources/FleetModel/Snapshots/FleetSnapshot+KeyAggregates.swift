// The key view's aggregates worked out with the snapshot, off the UI thread: the poller calls
// `prepareKeyAggregates()` on a snapshot before delivering it, and the dashboard reads
// `keyAggregates(at:)`, which costs the UI thread only uWSGI's expiry (the routers whose nodes
// expired by now) instead of adding up every router's keys.
extension FleetSnapshot {
    /// Works out every key's aggregate over the routers and keeps it with the snapshot, so that
    /// `keyAggregates(at:)` reads it; call it off the UI thread, before handing the snapshot over.
    ///
    /// A later change to a router drops the aggregates (a change of health alone, as time
    /// passes, is applied to them); until prepared again, `keyAggregates(at:)` adds them up.
    public mutating func prepareKeyAggregates() {
        guard preparedKeyAggregates == nil else { return }
        preparedKeyAggregates = templateKeyAggregates()
    }

    /// Whether `prepareKeyAggregates()` has worked out the aggregates of the snapshot as it is.
    public var hasPreparedKeyAggregates: Bool { preparedKeyAggregates != nil }

    /// Every key's aggregate over all routers as of `now`, in key order: what
    /// `KeyAggregate.aggregate(routerRows(at: now))` gives, read from the prepared aggregates
    /// when there are (with the uWSGI nodes that expired by `now` moved to expired?).
    public func keyAggregates(at now: FleetInstant) -> [KeyAggregate] {
        guard var aggregates = preparedKeyAggregates else { return KeyAggregate.aggregate(routerRows(at: now)) }
        applyExpiry(to: &aggregates, at: now)
        return aggregates
    }

    /// The aggregates over the row templates, before expiry.
    func templateKeyAggregates() -> [KeyAggregate] {
        var totals = KeyTotals()
        // By index: `for template in` copies each template.
        for index in rowTemplates.indices { totals.add(rowTemplates[index].row) }
        return totals.aggregates
    }

    /// Moves the nodes that expired by `now` from ready to expired? in `aggregates`, router by
    /// router as `RouterRow.applyExpiry` does in each router's keys.
    private func applyExpiry(to aggregates: inout [KeyAggregate], at now: FleetInstant) {
        let tolerance = configuration.subscriptionTolerance
        // Routers with a node that can expire; those with none expired yet cost a comparison.
        for (id, lastChecks) in expiringLastChecks
        where RouterSummary.expiredCount(lastChecks, at: now, tolerance: tolerance) > 0 {
            guard let position = positions[id], let keys = rowTemplates[position].summary?.keys else { continue }
            // A gone router's nodes are not counted.
            if case .gone = rowTemplates[position].row.status { continue }
            // By index: each key's summary is read in place, not copied out.
            var listings = FirstListings(count: keys.count)
            for index in keys.indices {
                let expired = RouterSummary.expiredCount(keys[index].expiringLastChecks, at: now, tolerance: tolerance)
                guard expired > 0, listings.isFirst(index, key: { keys[$0].key }),
                      let found = aggregates.index(ofKey: keys[index].key) else { continue }
                aggregates[found].moveToExpired(expired)
            }
        }
    }
}

/// Tells a key's first listing in a router's keys from a repeat (a hostile document can list a
/// key twice; it counts once, as its first listing): few keys are compared with the earlier
/// ones, many are looked up once in a set.
struct FirstListings {
    private let count: Int
    // For many keys: whether each is its key's first listing, worked out when first asked.
    private var firsts: [Bool]?

    /// For a router listing `count` keys.
    init(count: Int) {
        self.count = count
    }

    /// Whether listing `index` is the first of its key, `key(i)` being listing i's key.
    mutating func isFirst(_ index: Int, key: (Int) -> String) -> Bool {
        guard count > 16 else {
            let name = key(index)
            return !(0..<index).contains { key($0) == name }
        }
        if firsts == nil {
            var seen = Set<String>()
            firsts = (0..<count).map { seen.insert(key($0)).inserted }
        }
        return firsts?[index] ?? true
    }
}

extension KeyAggregate {
    /// Moves `count` of the ready nodes to expired?.
    mutating func moveToExpired(_ count: Int) {
        let ready = (nodesByState[.ready] ?? 0) - count
        nodesByState[.ready] = ready != 0 ? ready : nil
        nodesByState[.expired, default: 0] += count
    }
}

extension Array where Element == KeyAggregate {
    /// The position of `key`'s aggregate in aggregates in key order (binary search).
    func index(ofKey key: String) -> Int? {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if self[middle].key < key {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < endIndex && self[low].key == key ? low : nil
    }

    /// Applies a change of `row`'s health to `status` (neither gone) to the aggregates of its
    /// keys; false when it cannot be applied and the aggregates must be worked out again.
    mutating func change(_ row: RouterRow, to status: RouterStatus) -> Bool {
        let (old, new) = (KeyTotals.Standing(row.status), KeyTotals.Standing(status))
        guard old != .gone, new != .gone else { return false }
        guard old != new else { return true }
        return forEachKey(of: row) { aggregate in
            switch old {
            case .ok: aggregate.okRouters &-= 1
            case .troubled: aggregate.troubledRouters &-= 1
            case .other, .gone: break
            }
            switch new {
            case .ok: aggregate.okRouters &+= 1
            case .troubled: aggregate.troubledRouters &+= 1
            case .other, .gone: break
            }
        }
    }

    /// Takes gone router `row` (it left the table) out of the aggregates of its keys (then
    /// `dropUnlisted()` takes out the keys no router lists any more); false when it cannot be
    /// taken out (the router was not gone: its nodes and counters were added).
    mutating func remove(_ row: RouterRow) -> Bool {
        guard KeyTotals.Standing(row.status) == .gone else { return false }
        return forEachKey(of: row) { aggregate in aggregate.goneRouters &-= 1 }
    }

    /// Takes out the aggregates of keys that no router lists any more.
    mutating func dropUnlisted() {
        removeAll { $0.routers == 0 && $0.goneRouters == 0 }
    }

    /// Calls `body` with the aggregate of each key of `row` (a key it lists twice once); false
    /// when one of its keys has no aggregate.
    private mutating func forEachKey(of row: RouterRow, _ body: (inout KeyAggregate) -> Void) -> Bool {
        let keys = row.keyStats
        var listings = FirstListings(count: keys.count)
        for index in keys.indices where listings.isFirst(index, key: { keys[$0].key }) {
            guard let found = self.index(ofKey: keys[index].key) else { return false }
            body(&self[found])
        }
        return true
    }
}
