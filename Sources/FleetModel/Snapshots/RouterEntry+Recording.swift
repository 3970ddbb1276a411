import RouterWire

// How a poll result changes one router's entry. Called in place on the snapshot's storage, so
// a result costs work proportional to that router's nodes, not to the fleet.
extension RouterEntry {
    /// Records a successful poll: shifts latest to previous, computes rates, updates presence.
    mutating func recordSuccess(_ document: StatsDocument, at now: FleetInstant, configuration: FleetSnapshot.Configuration) {
        let firstSuccess = latest == nil
        let sameNodes = latest.map { $0.hasSameNodes(as: document) } ?? false
        let keepsTracks = sameNodes && goneNodes.isEmpty
        var byPosition = false
        if let latest, let latestAt {
            if sameNodes, latest.pid == document.pid, let template = rates, let positions = ratePositions.value {
                rates = RateCalculator.rates(reusing: template, at: positions, previous: latest, at: latestAt, current: document, at: now)
                byPosition = true
            } else {
                rates = RateCalculator.rates(previous: latest, at: latestAt, current: document, at: now, sameNodes: sameNodes)
            }
        } else {
            rates = nil
        }
        if keepsTracks {
            // Same nodes in the same order and none leaving: every track is simply present.
            // Written only where it changes: a write would copy the table the UI still holds.
            var index = nodes.startIndex
            while index != nodes.endIndex {
                if nodes.values[index].presence != .present { nodes.values[index].presence = .present }
                nodes.formIndex(after: &index)
            }
        } else {
            updateNodes(with: document, firstSuccess: firstSuccess, configuration: configuration)
        }
        appendHistory(byPosition: byPosition && keepsTracks)
        let flavor = RouterFlavor(document: document)
        // Counters in place when only counters moved; else summarised again.
        var refreshed = false
        if sameNodes, let latest { refreshed = summary?.refresh(from: latest, to: document, flavor: flavor) ?? false }
        if !refreshed { summary = RouterSummary(document: document, flavor: flavor) }
        storedPresence = firstSuccess ? .new : .present
        previous = latest
        previousAt = latestAt
        latest = document
        latestAt = now
        if !(byPosition && keepsTracks) { locatePositions() }
        lastError = nil
        consecutiveFailures = 0
        successfulPolls += 1
        evaluate(now: now, staleWindow: configuration.staleWindow)
    }

    /// Records that the router's document is the same as the latest one (a watch's empty
    /// line): rates of zero, the same summary and nodes, without walking the document again.
    /// False (nothing recorded) before any document.
    mutating func recordUnchanged(at now: FleetInstant, configuration: FleetSnapshot.Configuration) -> Bool {
        guard let latest, let latestAt else { return false }
        if let template = rates, let positions = ratePositions.value {
            rates = RateCalculator.rates(reusing: template, at: positions, previous: latest, at: latestAt, current: latest, at: now)
            appendHistory(byPosition: true)
        } else {
            rates = RateCalculator.rates(previous: latest, at: latestAt, current: latest, at: now, sameNodes: true)
            appendHistory(byPosition: false)
            locatePositions()
        }
        storedPresence = .present
        previous = latest
        previousAt = latestAt
        self.latestAt = now
        lastError = nil
        consecutiveFailures = 0
        successfulPolls += 1
        evaluate(now: now, staleWindow: configuration.staleWindow)
        return true
    }

    /// Adds the new rates to the router's and each node's history; `byPosition` when the rates
    /// and tracks were written where `ratePositions` says (no node id hashed).
    private mutating func appendHistory(byPosition: Bool) {
        guard let rates else {
            // Positions point into the rates' tables: none without rates.
            ratePositions.value = nil
            return
        }
        requestHistory.append(rates.requestsPerSecond)
        nodeHistories.advance()
        if byPosition, let positions = ratePositions.value {
            for position in positions.histories.indices {
                nodeHistories.set(rates.nodeRequestsPerSecond.rate(at: positions.nodeRates[position]), for: positions.histories[position])
            }
        } else {
            for (nodeID, track) in nodes {
                nodeHistories.set(rates.nodeRequestsPerSecond[nodeID] ?? 0, for: track.history)
            }
        }
    }

    /// Works out where the latest document's keys and nodes are in the rates and tracks just
    /// built, for the next poll with the same nodes.
    private mutating func locatePositions() {
        guard let latest, let rates else {
            ratePositions.value = nil
            return
        }
        ratePositions.value = RatePositions(document: latest, rates: rates, tracks: nodes)
    }

    /// Sets `status` as of `now`.
    mutating func evaluate(now: FleetInstant, staleWindow: Double) {
        status = status(at: now, staleWindow: staleWindow)
    }

    /// The health as of `now`: ok while the latest success is within `staleWindow`.
    func status(at now: FleetInstant, staleWindow: Double) -> RouterStatus {
        if let goneSince {
            return .gone(since: goneSince)
        } else if let at = latestAt {
            return now - at <= staleWindow ? .ok(at: at) : .stale(since: at, lastError: lastError)
        } else if let error = lastError {
            return .unreachable(error: error)
        } else {
            return .neverPolled
        }
    }

    private mutating func updateNodes(with document: StatsDocument, firstSuccess: Bool, configuration: FleetSnapshot.Configuration) {
        let current = document.nodesByID
        let currentIDs = Set(current.map(\.0))
        var tracks: [NodeID: NodeTrack] = [:]
        tracks.reserveCapacity(current.count)
        // Each node's history in the new block: its old one, or a new one (nil).
        var kept: [Int?] = []
        kept.reserveCapacity(current.count)
        for (id, _) in current where tracks[id] == nil {
            if let track = nodes[id] {
                tracks[id] = NodeTrack(presence: .present, history: kept.count)
                kept.append(track.history)
            } else {
                // On a router's first poll every node is simply there; "new" means it appeared
                // between two polls we saw.
                tracks[id] = NodeTrack(presence: firstSuccess ? .present : .new, history: kept.count)
                kept.append(nil)
            }
        }
        nodeHistories = nodeHistories.keeping(kept)
        var gone: [NodeID: GoneNode] = [:]
        for (id, var old) in goneNodes where !currentIDs.contains(id) {
            old.polls += 1
            if old.polls <= configuration.goneRetentionPolls { gone[id] = old }
        }
        for (id, lastSeen) in latest?.nodesByID ?? [] where !currentIDs.contains(id) && configuration.goneRetentionPolls > 0 {
            gone[id] = GoneNode(id: id, lastSeen: lastSeen, polls: 1)
        }
        nodes = tracks
        goneNodes = gone
    }
}

extension StatsDocument {
    /// True when `other` lists the same static nodes and the same keys with the same nodes, in
    /// the same order (the usual case between two polls): nodes can then be matched by position.
    func hasSameNodes(as other: StatsDocument) -> Bool {
        let (statics, otherStatics) = (staticNodes ?? [], other.staticNodes ?? [])
        let (slots, otherSlots) = (subscriptions ?? [], other.subscriptions ?? [])
        guard statics.count == otherStatics.count, slots.count == otherSlots.count else { return false }
        // By index: iterating pairs would copy every node (and retain its strings) twice.
        for index in statics.indices where statics[index].name != otherStatics[index].name { return false }
        for slotIndex in slots.indices {
            guard slots[slotIndex].key == otherSlots[slotIndex].key else { return false }
            let (nodes, otherNodes) = (slots[slotIndex].nodes, otherSlots[slotIndex].nodes)
            guard nodes.count == otherNodes.count else { return false }
            for index in nodes.indices where nodes[index].name != otherNodes[index].name { return false }
        }
        return true
    }
}
