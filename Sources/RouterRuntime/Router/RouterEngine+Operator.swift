import NIOConcurrencyHelpers
import RouterCore
import RouterWire

extension RouterEngine {
    /// True when the router has the node `target` names right now: a subscription node under
    /// the key, or (no key) a static node or that address under any key.
    public func knows(_ target: OperatorTarget) -> Bool {
        core.withLockedValue { core in
            let state = core.state
            if let key = target.key {
                return state.table.slot(for: RouteKey(key))?.node(address: target.address) != nil
            }
            if state.staticNodes.node(address: target.address) != nil { return true }
            return state.table.slots.values.contains { $0.node(address: target.address) != nil }
        }
    }

    /// True when `address` is one of the router's static nodes.
    public func hasStaticNode(_ address: String) -> Bool {
        core.withLockedValue { $0.state.staticNodes.node(address: address) != nil }
    }

    /// Runs one operator edit on the router state under the lock.
    public func edit<T>(_ body: (inout RouterState) throws(RouterCoreError) -> T) throws(RouterCoreError) -> T {
        let result: Result<T, RouterCoreError> = core.withLockedValue { core in
            Result { () throws(RouterCoreError) -> T in try body(&core.state) }
        }
        return try result.get()
    }

    /// Runs an edit that returns RouterCore events (drain, weight, kick, cheap), then logs
    /// them and applies a cheap-mode change to the listeners.
    public func editWithEvents(_ body: (inout RouterState) throws(RouterCoreError) -> [RouterEvent]) throws(RouterCoreError) {
        let events = try edit(body)
        publish(events)
    }

    /// Replaces the operator state (restored from the state file).
    public func replaceOperators(_ operators: OperatorState) {
        let events = core.withLockedValue { $0.state.replaceOperators(operators) }
        publish(events)
    }
}
