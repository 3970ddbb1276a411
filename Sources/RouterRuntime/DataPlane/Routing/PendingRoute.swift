import NIOConcurrencyHelpers

/// A routing decision that arrives later, from another thread (a code forwarder resolving the
/// key): decided once, delivered once to the one waiter, whichever comes first.
public final class PendingRoute: Sendable {
    private enum State {
        case waiting((@Sendable (RouteDecision) -> Void)?)
        case decided(RouteDecision)
        case delivered
    }

    private let state = NIOLockedValueBox(State.waiting(nil))

    /// Creates an undecided route.
    public init() {}

    /// Settles the route; the waiter (if already set) is called on this thread, outside the
    /// lock. A second decision is ignored.
    public func decide(_ decision: RouteDecision) {
        let waiter: (@Sendable (RouteDecision) -> Void)? = state.withLockedValue { state in
            switch state {
            case .waiting(let waiter?):
                state = .delivered
                return waiter
            case .waiting(nil):
                state = .decided(decision)
                return nil
            case .decided, .delivered:
                return nil
            }
        }
        waiter?(decision)
    }

    /// Calls `body` once with the decision: now when already decided, else on the deciding
    /// thread. The executor hops back to its own loop in `body`.
    public func whenDecided(_ body: @escaping @Sendable (RouteDecision) -> Void) {
        let decided: RouteDecision? = state.withLockedValue { state in
            switch state {
            case .waiting:
                state = .waiting(body)
                return nil
            case .decided(let decision):
                state = .delivered
                return decision
            case .delivered:
                return nil
            }
        }
        if let decided { body(decided) }
    }
}
