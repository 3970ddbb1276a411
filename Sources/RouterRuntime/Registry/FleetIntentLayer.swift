import FleetRegistry
import RouterCore
import RouterWire

/// The operator state a router's fleet intents ask for, without any I/O: drains and weights
/// of node addresses under every key, and cheap mode.
///
/// When two intents disagree (a cheap mode for every router and another for this one), the one
/// that names this router wins over the fleet-wide one, then the later one.
enum FleetIntentLayer {
    /// The layer for the router registered as `router` (nil when it has no name yet).
    static func layer(_ intents: [FleetIntent], router: String?) -> OperatorState {
        let ordered = intents
            .filter { $0.problem == nil && $0.applies(to: router) }
            .sorted { ($0.routers != nil ? 1 : 0, $0.time, $0.name) < ($1.routers != nil ? 1 : 0, $1.time, $1.name) }
        var state = OperatorState()
        for intent in ordered {
            switch intent.action {
            case .drain:
                if let node = intent.node { state.setDrain(true, for: OperatorTarget(key: nil, address: node)) }
            case .weight:
                if let node = intent.node, let weight = intent.weight {
                    try? state.setWeight(weight, for: OperatorTarget(key: nil, address: node))
                }
            case .cheap:
                if let mode = intent.cheap.flatMap(StatsDocument.CheapMode.init(rawValue:)) { state.cheapMode = mode }
            }
        }
        return state
    }
}
