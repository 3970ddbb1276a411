import NIOCore

/// The owner of a `Watchdog`, called on its event loop when the timer fires.
protocol WatchdogTarget: AnyObject {
    /// The timer fired; the target calls `Watchdog.fired()` and decides what is due.
    func watchdogFired()
}

/// One lazily re-armed timer per client connection, covering the head deadline and the
/// inactivity timeout: arming later than the pending fire costs nothing, so the hot path only
/// sets a flag or a deadline and never cancels and reschedules a task per request.
struct Watchdog {
    private var scheduled: Scheduled<Void>?
    private var firesAt = NIODeadline.distantFuture

    /// Whether a fire is pending (arming later than it would be a no-op).
    var isArmed: Bool { scheduled != nil }

    /// Makes sure the timer fires no later than `deadline`, calling `fire` on the loop.
    mutating func arm(at deadline: NIODeadline, on loop: any EventLoop, target: some WatchdogTarget) {
        if scheduled != nil, firesAt <= deadline { return }
        scheduled?.cancel()
        firesAt = deadline
        scheduled = loop.assumeIsolated().scheduleTask(deadline: deadline) { [weak target] in target?.watchdogFired() }
    }

    /// Marks the pending fire as done (call first thing in `fire`).
    mutating func fired() {
        scheduled = nil
        firesAt = .distantFuture
    }

    /// Stops the timer for good.
    mutating func cancel() {
        scheduled?.cancel()
        scheduled = nil
        firesAt = .distantFuture
    }
}
