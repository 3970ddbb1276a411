import RouterWire

/// The subscription table: slots by key, nodes in arrival order, with uWSGI's lifecycle
/// as uWSGI does: subscribe creates or refreshes, unsubscribe and failure death-mark, a dead
/// node leaves when no session holds it, and a slot leaves with its last node.
///
/// Unlike uWSGI, expiry is not only lazy: `expire(now:)` sweeps the whole table (the runtime
/// calls it on a timer), so stats never show a long-silent node as alive.
public struct SubscriptionTable: Sendable {
    /// A node is expired when `now - last_check > tolerance` (`--subscription-tolerance`).
    public var tolerance: Duration
    /// Algorithm for slots whose first packet named none (`--subscription-algo`).
    public var defaultAlgorithm: BalancingAlgorithm
    /// The limits on keys and nodes per key; a packet over them is refused.
    public var limits: SubscriptionLimits
    /// Slots by key.
    public private(set) var slots: [RouteKey: SubscriptionSlot] = [:]
    /// Per bucket, the slot keys in chain order (uWSGI appends; busier slots move forward).
    private var chains: [UInt32: [RouteKey]] = [:]
    /// The buckets `chains` holds, so an expiry sweep visits those and skips the empty rest.
    private var occupied = OccupiedBuckets()

    /// Creates an empty table.
    public init(
        tolerance: Duration = .seconds(17), defaultAlgorithm: BalancingAlgorithm = .wrr,
        limits: SubscriptionLimits = SubscriptionLimits()
    ) {
        self.tolerance = tolerance
        self.defaultAlgorithm = defaultAlgorithm
        self.limits = limits
    }

    /// True when no slot exists.
    public var isEmpty: Bool { slots.isEmpty }

    /// Number of nodes over all slots.
    public var nodeCount: Int { slots.values.reduce(0) { $0 + $1.nodes.count } }

    /// The slot for `key`, if any.
    public func slot(for key: RouteKey) -> SubscriptionSlot? { slots[key] }

    /// Slots in the order uWSGI's stats list them: ascending bucket, then chain order.
    public var orderedSlots: [SubscriptionSlot] {
        chains.keys.sorted().flatMap { bucket in chains[bucket, default: []].compactMap { slots[$0] } }
    }

    /// Validates a key the way the wire contract limits it: 1...255 bytes.
    public static func validate(key: RouteKey) throws(RouterCoreError) {
        guard (1...255).contains(key.count) else { throw .invalidKey(key: key.string, byteCount: key.count) }
    }

    /// Applies a subscription datagram: subscribe (create or refresh) or unsubscribe.
    ///
    /// With `requireStamp` (a verified signed packet) the packet must carry a `unix` stamp
    /// newer than the last one accepted for its node, so a captured packet cannot be replayed.
    public mutating func apply(
        _ packet: SubscriptionPacket, now: RouterInstant, operators: OperatorState, requireStamp: Bool = false
    ) throws(RouterCoreError) -> [RouterEvent] {
        let key = RouteKey(packet.key)
        try Self.validate(key: key)
        let addressLength = packet.address.utf8.count
        guard (1...255).contains(addressLength) else {
            throw .invalidAddress(address: packet.address, byteCount: addressLength)
        }
        if requireStamp { try checkStamp(packet, key: key) }
        switch packet.command {
        case .subscribe: return try subscribe(packet, key: key, now: now, operators: operators)
        case .unsubscribe: return markFailed(key: key, address: packet.address, reason: .unsubscribed)
        }
    }

    /// Refreshes a known node from a re-announce read in place (`SubscriptionRefresh`), as
    /// `apply` refreshes it from the decoded packet, and returns its `nodeRefreshed` event
    /// (naming the key and address the table holds, so nothing is allocated). Nil when the key
    /// or the node is not in the table: the caller then applies the decoded packet, which
    /// creates them. Never for a signed packet (its stamp is checked on the decoded packet).
    public mutating func refresh(
        key: RouteKey, address: String, with announce: SubscriptionRefresh, now: RouterInstant
    ) -> RouterEvent? {
        guard let slotIndex = slots.index(forKey: key) else { return nil }
        // One mutating access to the slot: each read through `slots.values[i]` would copy it.
        return slots.values[slotIndex].refresh(address: address, with: announce, now: now)
    }

    /// Refuses a packet without a `unix` stamp, or one not newer than the last stamp accepted
    /// for its node (uWSGI compares refreshes with the node's first stamp only, so it takes
    /// a replayed refresh; this takes each stamp once). Records the stamp when it passes.
    private mutating func checkStamp(_ packet: SubscriptionPacket, key: RouteKey) throws(RouterCoreError) {
        guard let unix = packet.unix else { throw .missingStamp(key: key.string, address: packet.address) }
        guard let slotIndex = slots.index(forKey: key),
              let nodeIndex = slots.values[slotIndex].locate(address: packet.address) else { return }
        let last = slots.values[slotIndex].nodes[nodeIndex].unixCheck ?? 0
        guard unix > last else {
            throw .replayedStamp(key: key.string, address: packet.address, stamp: unix, last: last)
        }
        slots.values[slotIndex].nodes[nodeIndex].unixCheck = unix
    }

    private mutating func subscribe(
        _ packet: SubscriptionPacket, key: RouteKey, now: RouterInstant, operators: OperatorState
    ) throws(RouterCoreError) -> [RouterEvent] {
        var node = SubscriptionNode(packet: packet, now: now)
        let override = operators.override(key: key, address: packet.address)
        node.drain = override.drain
        node.operatorWeight = override.weight

        guard let slotIndex = slots.index(forKey: key) else {
            guard slots.count < limits.maximumKeys else { throw .keyLimitReached(key: key.string, limit: limits.maximumKeys) }
            let algorithm = packet.algo.flatMap { BalancingAlgorithm(rawValue: $0) }
            let sni = packet.sniKey != nil && packet.sniCrt != nil
            let slot = SubscriptionSlot(key: key, sniEnabled: sni, algorithm: algorithm, first: node)
            slots[key] = slot
            chains[slot.hash, default: []].append(key)
            occupied.insert(slot.hash)
            return [.slotCreated(key: key, hash: slot.hash), .nodeAdded(key: key, address: node.address)]
        }
        if let nodeIndex = slots.values[slotIndex].locate(address: packet.address) {
            let revived = slots.values[slotIndex].nodes[nodeIndex].deathMark
            slots.values[slotIndex].nodes[nodeIndex].refresh(from: packet, now: now)
            return [.nodeRefreshed(key: key, address: packet.address, revived: revived)]
        }
        let count = slots.values[slotIndex].nodes.count
        guard count < limits.maximumNodesPerKey else {
            throw .nodeLimitReached(key: key.string, limit: limits.maximumNodesPerKey)
        }
        guard !slots.values[slotIndex].hasCanonicalTwin(of: packet.address) else {
            throw .ambiguousAddress(key: key.string, address: packet.address)
        }
        slots.values[slotIndex].append(node)
        return [.nodeAdded(key: key, address: node.address)]
    }

    /// Death-marks a node (unsubscribe, connect failure, operator kick): failcnt++, and removal
    /// at once when no session holds it. A missing node is ignored, as uWSGI does.
    public mutating func markFailed(key: RouteKey, address: String, reason: RouterEvent.FailureReason) -> [RouterEvent] {
        guard let slotIndex = slots.index(forKey: key),
              let nodeIndex = slots.values[slotIndex].locate(address: address) else { return [] }
        slots.values[slotIndex].nodes[nodeIndex].markFailed()
        var events: [RouterEvent] = [.nodeMarkedFailed(key: key, address: address, reason: reason)]
        removeIfUnheld(slotIndex: slotIndex, nodeIndex: nodeIndex, events: &events)
        return events
    }

    /// Adds the per-session figures of `other`, a replica of this table that routed its own
    /// share of the requests (see `RouterState.folding`): slot hits and each node's requests,
    /// last requests, traffic and references. A node or slot only `other` still has (dead but
    /// held there) is listed as it is there.
    mutating func fold(_ other: SubscriptionTable) {
        for (key, theirs) in other.slots {
            guard let slotIndex = slots.index(forKey: key) else {
                slots[key] = theirs
                chains[theirs.hash, default: []].append(key)
                occupied.insert(theirs.hash)
                continue
            }
            slots.values[slotIndex].hits &+= theirs.hits
            for node in theirs.nodes {
                if let nodeIndex = slots.values[slotIndex].locate(address: node.address) {
                    slots.values[slotIndex].nodes[nodeIndex].fold(node)
                } else if !slots.values[slotIndex].hasCanonicalTwin(of: node.address) {
                    slots.values[slotIndex].append(node)
                }
            }
        }
    }

    /// Counts a successful connect to a node (requests, last_requests).
    public mutating func recordConnect(key: RouteKey, address: String) {
        guard let slotIndex = slots.index(forKey: key),
              let nodeIndex = slots.values[slotIndex].locate(address: address) else { return }
        slots.values[slotIndex].nodes[nodeIndex].requests &+= 1
        slots.values[slotIndex].nodes[nodeIndex].lastRequests &+= 1
    }

    /// Ends a session's hold on a node: ref--, traffic counted; completes a pending removal or
    /// a drain (draining → drained).
    public mutating func release(key: RouteKey, address: String, tx: UInt64 = 0, rx: UInt64 = 0) -> [RouterEvent] {
        guard let slotIndex = slots.index(forKey: key),
              let nodeIndex = slots.values[slotIndex].locate(address: address) else { return [] }
        let wasHeld = slots.values[slotIndex].nodes[nodeIndex].ref > 0
        slots.values[slotIndex].nodes[nodeIndex].ref -= wasHeld ? 1 : 0
        slots.values[slotIndex].nodes[nodeIndex].tx &+= tx
        slots.values[slotIndex].nodes[nodeIndex].rx &+= rx
        let node = slots.values[slotIndex].nodes[nodeIndex]
        var events: [RouterEvent] = []
        if wasHeld && node.ref == 0 && node.drain && !node.deathMark {
            events.append(.nodeDrained(key: key, address: address))
        }
        removeIfUnheld(slotIndex: slotIndex, nodeIndex: nodeIndex, events: &events)
        return events
    }

    /// Picks a node for `key` (expiring that slot's nodes first, as uWSGI's lookup does) and
    /// takes a reference on it. Returns nil when the slot is missing or has no alive node.
    public mutating func pick(
        key: RouteKey, client: ClientAddress?, now: RouterInstant, events: inout [RouterEvent]
    ) -> RouteTarget? {
        guard var slotIndex = slots.index(forKey: key) else { return nil }
        promoteInChain(slotIndex: slotIndex)
        slots.values[slotIndex].hits &+= 1
        if expire(slotIndex: slotIndex, now: now, events: &events) {
            guard let index = slots.index(forKey: key) else { return nil }
            slotIndex = index
        }
        let algorithm = slots.values[slotIndex].algorithm ?? defaultAlgorithm
        guard let nodeIndex = NodeSelector.pick(&slots.values[slotIndex].nodes, algorithm: algorithm, client: client) else {
            return nil
        }
        slots.values[slotIndex].nodes[nodeIndex].ref &+= 1
        let node = slots.values[slotIndex].nodes[nodeIndex]
        return RouteTarget(
            address: node.address, modifier1: node.modifier1, modifier2: node.modifier2,
            proto: node.proto, origin: .subscription(key: key))
    }

    /// Expires every node over the tolerance in the whole table, in one call (tests and
    /// small tables; the runtime sweeps in bounded steps, see `expireStep`).
    public mutating func expire(now: RouterInstant) -> [RouterEvent] {
        var events: [RouterEvent] = []
        var cursor = ExpiryCursor()
        while !cursor.isFinished {
            events += expireStep(now: now, cursor: &cursor)
        }
        return events
    }

    /// One bounded step of a sweep: expires the slots of the next occupied buckets from
    /// `cursor` (empty buckets are skipped a word of 64 at a time, so a sweep of a small table
    /// costs no lookup per bucket), until `nodeBudget` nodes were visited or `bucketBudget`
    /// occupied buckets were looked at, and advances
    /// the cursor. The runtime holds its routing lock for one step at a time, so a sweep of a
    /// large table never stalls routing for the whole table (a single slot is the unit: its
    /// size is bounded by `limits.maximumNodesPerKey`).
    public mutating func expireStep(
        now: RouterInstant, cursor: inout ExpiryCursor, nodeBudget: Int = 1024, bucketBudget: Int = 4096
    ) -> [RouterEvent] {
        // No chain at all (a router with static nodes only): nothing to look at in the buckets.
        guard !chains.isEmpty else {
            cursor.nextBucket = max(cursor.nextBucket, SubscriptionHash.bucketCount)
            return []
        }
        var events: [RouterEvent] = []
        var visited = 0
        var buckets = 0
        while !cursor.isFinished && visited < nodeBudget && buckets < bucketBudget {
            guard let bucket = occupied.first(from: cursor.nextBucket) else {
                cursor.nextBucket = SubscriptionHash.bucketCount
                break
            }
            cursor.nextBucket = bucket + 1
            buckets += 1
            guard let chain = chains[bucket] else { continue }
            for key in chain {
                guard let index = slots.index(forKey: key) else { continue }
                visited += slots.values[index].nodes.count
                _ = expire(slotIndex: index, now: now, events: &events)
            }
        }
        return events
    }

    /// Death-marks every node and removes those no session holds (ref 0); held ones leave on release.
    public mutating func clear() -> [RouterEvent] {
        var events: [RouterEvent] = []
        for key in Array(slots.keys) {
            guard let slotIndex = slots.index(forKey: key) else { continue }
            for nodeIndex in slots.values[slotIndex].nodes.indices where !slots.values[slotIndex].nodes[nodeIndex].deathMark {
                slots.values[slotIndex].nodes[nodeIndex].deathMark = true
                let address = slots.values[slotIndex].nodes[nodeIndex].address
                events.append(.nodeMarkedFailed(key: key, address: address, reason: .cleared))
            }
            sweepDead(slotIndex: slotIndex, events: &events)
        }
        return events
    }

    /// Re-reads the operator's drain and weight overrides into every node. Emits `nodeDrained`
    /// for a node that becomes drained with nothing in flight.
    public mutating func applyOperators(_ operators: OperatorState) -> [RouterEvent] {
        var events: [RouterEvent] = []
        for slotIndex in slots.indices {
            let key = slots.values[slotIndex].key
            for nodeIndex in slots.values[slotIndex].nodes.indices {
                let node = slots.values[slotIndex].nodes[nodeIndex]
                let override = operators.override(key: key, address: node.address)
                if override.drain && !node.drain && node.ref == 0 && !node.deathMark {
                    events.append(.nodeDrained(key: key, address: node.address))
                }
                slots.values[slotIndex].nodes[nodeIndex].drain = override.drain
                slots.values[slotIndex].nodes[nodeIndex].operatorWeight = override.weight
            }
        }
        return events
    }

    // MARK: - Internals

    /// Marks expired nodes of one slot and removes unheld dead ones; true when something was removed.
    private mutating func expire(slotIndex: Dictionary<RouteKey, SubscriptionSlot>.Index, now: RouterInstant, events: inout [RouterEvent]) -> Bool {
        let key = slots.values[slotIndex].key
        var anyDeadUnheld = false
        for nodeIndex in slots.values[slotIndex].nodes.indices {
            let node = slots.values[slotIndex].nodes[nodeIndex]
            if !node.deathMark && now - node.lastCheck > tolerance {
                slots.values[slotIndex].nodes[nodeIndex].markFailed()
                events.append(.nodeMarkedFailed(
                    key: key, address: node.address,
                    reason: .expired(toleranceSeconds: tolerance.components.seconds)))
            }
            if slots.values[slotIndex].nodes[nodeIndex].deathMark && node.ref == 0 {
                anyDeadUnheld = true
            }
        }
        if anyDeadUnheld {
            sweepDead(slotIndex: slotIndex, events: &events)
        }
        return anyDeadUnheld
    }

    private mutating func removeIfUnheld(
        slotIndex: Dictionary<RouteKey, SubscriptionSlot>.Index, nodeIndex: Int, events: inout [RouterEvent]
    ) {
        let node = slots.values[slotIndex].nodes[nodeIndex]
        guard node.deathMark && node.ref == 0 else { return }
        // The only dead node no session holds: every path that kills a node or ends a hold
        // removes such nodes at once, so there is no other to sweep.
        let address = slots.values[slotIndex].remove(at: nodeIndex)
        events.append(.nodeRemoved(key: slots.values[slotIndex].key, address: address))
        removeIfEmpty(slotIndex: slotIndex, events: &events)
    }

    /// Removes every dead node with ref 0 from a slot, and the slot when it empties.
    private mutating func sweepDead(slotIndex: Dictionary<RouteKey, SubscriptionSlot>.Index, events: inout [RouterEvent]) {
        let key = slots.values[slotIndex].key
        for address in slots.values[slotIndex].removeDeadUnheld() {
            events.append(.nodeRemoved(key: key, address: address))
        }
        removeIfEmpty(slotIndex: slotIndex, events: &events)
    }

    /// Removes the slot when it has no node left.
    private mutating func removeIfEmpty(slotIndex: Dictionary<RouteKey, SubscriptionSlot>.Index, events: inout [RouterEvent]) {
        guard slots.values[slotIndex].nodes.isEmpty else { return }
        let key = slots.values[slotIndex].key
        let hash = slots.values[slotIndex].hash
        slots.remove(at: slotIndex)
        chains[hash]?.removeAll { $0 == key }
        if chains[hash]?.isEmpty == true {
            chains[hash] = nil
            occupied.remove(hash)
        }
        events.append(.slotRemoved(key: key))
    }

    /// uWSGI's "auto optimization": a slot with more hits than its predecessor in the bucket
    /// chain swaps places with it. Only matters (and only costs) when keys collide.
    private mutating func promoteInChain(slotIndex: Dictionary<RouteKey, SubscriptionSlot>.Index) {
        let slot = slots.values[slotIndex]
        guard let chain = chains[slot.hash], chain.count > 1,
              let position = chain.firstIndex(of: slot.key), position > 0,
              let previous = slots[chain[position - 1]], slot.hits > previous.hits else { return }
        chains[slot.hash]?.swapAt(position, position - 1)
    }
}

/// The occupied buckets of a table's chains, one bit each: what lets an expiry sweep skip the
/// empty ones (a table of a few keys has 65,535 buckets and a handful of chains).
struct OccupiedBuckets: Sendable, Equatable {
    /// Bit `b % 64` of word `b / 64` is set when bucket `b` holds a chain; empty until the first
    /// insert (a table with static nodes only never pays for the words).
    private var words: [UInt64] = []

    /// Marks `bucket` occupied.
    mutating func insert(_ bucket: UInt32) {
        if words.isEmpty { words = Array(repeating: 0, count: (Int(SubscriptionHash.bucketCount) + 63) / 64) }
        words[Int(bucket / 64)] |= 1 << UInt64(bucket % 64)
    }

    /// Marks `bucket` empty.
    mutating func remove(_ bucket: UInt32) {
        guard !words.isEmpty else { return }
        words[Int(bucket / 64)] &= ~(1 << UInt64(bucket % 64))
    }

    /// The first occupied bucket at or after `start`; nil when there is none.
    func first(from start: UInt32) -> UInt32? {
        var index = Int(start / 64)
        guard index < words.count else { return nil }
        var word = words[index] & (~0 << UInt64(start % 64))
        while word == 0 {
            index += 1
            guard index < words.count else { return nil }
            word = words[index]
        }
        return UInt32(index * 64 + word.trailingZeroBitCount)
    }
}
