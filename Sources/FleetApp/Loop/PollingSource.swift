import FleetModel

/// Background polling as the UI loop sees it: started once, delivering whole fleet snapshots
/// from its own task; the loop never waits on it.
public protocol PollingSource: AnyObject, Sendable {
    /// Starts polling; `deliver` is called from a background task after every poll round.
    func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void)
    /// Stops polling; no delivery starts after it returns.
    func stop()
    /// Polls every router as soon as possible (also while paused), ignoring backoff.
    func refreshNow()
    /// Stops (true) or resumes (false) the periodic polls.
    func setPaused(_ paused: Bool)
    /// Whether each snapshot is delivered with its key aggregates worked out
    /// (`FleetSnapshot.prepareKeyAggregates()`, on the delivering task, not the UI thread):
    /// on while the dashboard shows them.
    func setPreparesKeyAggregates(_ prepares: Bool)
}
