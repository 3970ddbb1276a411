import RouterWire

/// Cheap mode as a state machine: in `auto` it follows uWSGI (when the router
/// is configured `--xxx-cheap`: cheap while the table is empty, left on the first subscription,
/// re-entered when the table empties, except after a backend failure when fallbacks exist);
/// the operator can force it `on` (always cheap) or `off` (never cheap).
public struct CheapModeStateMachine: Sendable, Hashable {
    /// What emptied the subscription table.
    public enum EmptyingCause: Sendable, Hashable {
        /// An unsubscribe packet.
        case unsubscribe
        /// A backend connect failure (does not go cheap when fallbacks exist).
        case backendFailure
        /// A lookup found no node with the table empty (covers lazy and swept expiry).
        case lookup
        /// The table was cleared.
        case clear
    }

    /// What the runtime must do with its listeners.
    public enum Action: Sendable, Hashable {
        /// Nothing changes.
        case none
        /// Stop accepting (connections queue in the backlog).
        case enterCheap
        /// Accept again.
        case leaveCheap
    }

    /// The router was configured `--xxx-cheap`.
    public let configured: Bool
    /// A `--xxx-fallback` list exists.
    public let hasFallbacks: Bool
    /// The operator's setting.
    public private(set) var mode: StatsDocument.CheapMode
    /// Whether the router is cheap now.
    public private(set) var isCheap: Bool

    /// Creates the machine in the state uWSGI starts in (cheap when configured and the table
    /// is empty), or the operator's forced state.
    public init(configured: Bool, hasFallbacks: Bool, mode: StatsDocument.CheapMode = .auto, tableIsEmpty: Bool = true) {
        self.configured = configured
        self.hasFallbacks = hasFallbacks
        self.mode = mode
        switch mode {
        case .on: isCheap = true
        case .off: isCheap = false
        case .auto: isCheap = configured && tableIsEmpty
        }
    }

    /// A subscription was added or refreshed, so the table is not empty.
    public mutating func subscriptionAdded() -> Action {
        guard mode == .auto, isCheap else { return .none }
        isCheap = false
        return .leaveCheap
    }

    /// The table became (or was found) empty.
    public mutating func tableEmptied(by cause: EmptyingCause) -> Action {
        guard mode == .auto, configured, !isCheap else { return .none }
        if cause == .backendFailure && hasFallbacks { return .none }
        isCheap = true
        return .enterCheap
    }

    /// The operator chose a mode; `auto` recomputes from the table's emptiness.
    public mutating func operatorSet(_ newMode: StatsDocument.CheapMode, tableIsEmpty: Bool) -> Action {
        mode = newMode
        let target: Bool
        switch newMode {
        case .on: target = true
        case .off: target = false
        case .auto: target = configured && tableIsEmpty
        }
        guard target != isCheap else { return .none }
        isCheap = target
        return target ? .enterCheap : .leaveCheap
    }
}
