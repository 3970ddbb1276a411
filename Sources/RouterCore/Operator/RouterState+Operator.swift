import RouterWire

extension RouterState {
    /// Drains (or undrains) a node: no new sessions, in-flight ones finish. Works for nodes not
    /// currently present; survives re-announce and removal/re-add.
    public mutating func setDrain(_ drain: Bool, for target: OperatorTarget) -> [RouterEvent] {
        operators.setDrain(drain, for: target)
        return syncOperators()
    }

    /// Sets (or with nil clears) a node's weight override.
    public mutating func setWeight(_ weight: UInt64?, for target: OperatorTarget) throws(RouterCoreError) -> [RouterEvent] {
        try operators.setWeight(weight, for: target)
        return syncOperators()
    }

    /// Forgets every operator edit for `target`.
    public mutating func resetOperator(_ target: OperatorTarget) -> [RouterEvent] {
        operators.reset(target)
        return syncOperators()
    }

    /// Kicks a node: a subscription node is death-marked (removed once unheld; its next
    /// announce brings it back), a static node is put in grace.
    public mutating func kick(_ target: OperatorTarget) throws(RouterCoreError) -> [RouterEvent] {
        if let key = target.key {
            let routeKey = RouteKey(key)
            guard table.slot(for: routeKey)?.node(address: target.address) != nil else {
                throw .unknownNode(key: key, address: target.address)
            }
            var events = table.markFailed(key: routeKey, address: target.address, reason: .kicked)
            if table.isEmpty { Self.append(cheap.tableEmptied(by: .unsubscribe), to: &events) }
            return events
        }
        guard staticNodes.node(address: target.address) != nil else {
            throw .unknownNode(key: nil, address: target.address)
        }
        return staticNodes.markFailed(target.address, now: clock.now())
    }

    /// Sets the cheap mode (`on` forces cheap, `off` never cheap, `auto` follows the table);
    /// a fleet intent's mode, when one is set, stays in force over it.
    public mutating func setCheapMode(_ mode: StatsDocument.CheapMode) -> [RouterEvent] {
        operators.cheapMode = mode
        var events: [RouterEvent] = []
        Self.append(cheap.operatorSet(effectiveOperators.cheapMode, tableIsEmpty: table.isEmpty), to: &events)
        return events
    }

    /// Replaces the whole operator state (import from the state file or the admin API).
    public mutating func replaceOperators(_ state: OperatorState) -> [RouterEvent] {
        operators = state
        var events = syncOperators()
        Self.append(cheap.operatorSet(effectiveOperators.cheapMode, tableIsEmpty: table.isEmpty), to: &events)
        return events
    }

    /// Replaces the fleet intent layer: drains and weights the fleet registry asks of this
    /// router, and its cheap mode unless `auto`. Clearing an intent is replacing the layer
    /// without it, which gives the router's own edits back.
    public mutating func replaceFleetIntent(_ intent: OperatorState) -> [RouterEvent] {
        fleetIntent = intent
        var events = syncOperators()
        Self.append(cheap.operatorSet(effectiveOperators.cheapMode, tableIsEmpty: table.isEmpty), to: &events)
        return events
    }

    /// Adds a static node at runtime.
    public mutating func addStaticNode(_ address: String) throws(RouterCoreError) {
        try staticNodes.add(address, operators: effectiveOperators)
    }

    /// Removes a static node at runtime.
    public mutating func removeStaticNode(_ address: String) throws(RouterCoreError) {
        try staticNodes.remove(address)
    }

    /// Sets a cache item (`addr[,modifier1][|…]`), expiring at `expires` (epoch seconds).
    public mutating func setCacheItem(_ key: RouteKey, value: String, expires: UInt64? = nil) throws(RouterCoreError) {
        try cache.set(key, value: value, expires: expires)
    }

    /// Deletes a cache item; true when it existed.
    @discardableResult
    public mutating func deleteCacheItem(_ key: RouteKey) -> Bool {
        cache.delete(key)
    }

    private mutating func syncOperators() -> [RouterEvent] {
        table.applyOperators(effectiveOperators) + staticNodes.applyOperators(effectiveOperators)
    }
}
