import NIOConcurrencyHelpers
import RouterCore
import RouterWire

extension RouterEngine {
    /// True when the router has the node `target` names right now: a subscription node under
    /// the key, or (no key) a static node or that address under any key.
    /// A dead node one worker still holds counts as known, as it did with one state.
    public func knows(_ target: OperatorTarget) -> Bool {
        replicas.contains { replica in
            replica.core.withLockedValue { core in
                let state = core.state
                if let key = target.key {
                    return state.table.slot(for: RouteKey(key))?.node(address: target.address) != nil
                }
                if state.staticNodes.node(address: target.address) != nil { return true }
                return state.table.slots.values.contains { $0.node(address: target.address) != nil }
            }
        }
    }

    /// True when `address` is one of the router's static nodes.
    public func hasStaticNode(_ address: String) -> Bool {
        core.withLockedValue { $0.state.staticNodes.node(address: address) != nil }
    }

    /// Runs one operator edit on every worker's replica of the router state (see
    /// `everyReplica`), each under its lock; the result is worker 0's.
    public func edit<T>(_ body: (inout RouterState) throws(RouterCoreError) -> T) throws(RouterCoreError) -> T {
        try everyReplica { core throws(RouterCoreError) -> T in try body(&core.state) }
    }

    /// Runs an edit that returns RouterCore events (drain, weight, kick, cheap), then logs
    /// them and applies a cheap-mode change to the listeners.
    public func editWithEvents(_ body: (inout RouterState) throws(RouterCoreError) -> [RouterEvent]) throws(RouterCoreError) {
        let events = try edit(body)
        publish(events, settlingCheap: true)
    }

    /// Replaces the operator state (restored from the state file).
    public func replaceOperators(_ operators: OperatorState) {
        let events = everyReplica { core in core.state.replaceOperators(operators) }
        publish(events, settlingCheap: true)
    }

    /// Replaces the fleet intent layer (from the fleet registry); the state file is not touched.
    public func replaceFleetIntent(_ intent: OperatorState) {
        let events = everyReplica { core in core.state.replaceFleetIntent(intent) }
        publish(events, settlingCheap: true)
    }

    /// The fleet intent layer in force.
    public var fleetIntent: OperatorState { core.withLockedValue { $0.state.fleetIntent } }
}
