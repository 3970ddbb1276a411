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
    /// What each snapshot is delivered with worked out (`FleetSnapshot.prepare(_:at:reusing:)`,
    /// on the delivering task, not the UI thread): the Fleet table's rows and lines for the
    /// dashboard's `fleetView`, and the key aggregates while it shows them. Nothing until told.
    func setPreparation(_ preparation: SnapshotPreparation)
}
