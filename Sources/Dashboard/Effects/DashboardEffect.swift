import FleetModel

/// Work the reducer asks the executable to do; the reducer itself never touches the network
/// or the terminal.
public enum DashboardEffect: Sendable, Hashable {
    /// Send one edit to one router (never `drainEverywhere`: the reducer expands it), then
    /// report the reply as `DashboardEvent.editFinished(plan, outcome)`.
    case apply(PlannedEdit)
    /// The operator confirmed an admin address learned from the router's stats: tell the
    /// control, before the `apply` that follows, that the router's token may go there.
    case trustAdminAddress(StatsAddress, router: RouterID)
    /// Poll every router now instead of waiting for the next interval.
    case refreshNow
    /// Stop (true) or resume (false) background polling.
    case setPaused(Bool)
    /// Leave: restore the terminal and exit 0.
    case quit
    /// The theme changed: draw the next frame with this palette (the state already holds it).
    case switchTheme(Theme)

    /// The edit and router of an `apply`, for tests and logging.
    public var appliedEdit: (router: RouterID, edit: FleetEdit)? {
        if case let .apply(plan) = self { return (plan.router, plan.edit) }
        return nil
    }
}
