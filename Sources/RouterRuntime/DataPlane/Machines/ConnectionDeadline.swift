import NIOCore

/// The one timer of a router connection, as a value: the machines ask it to fire no later than
/// a deadline and learn whether the executor must (re)schedule, and it remembers whether the
/// session did anything since the last fire (the inactivity rule of `--xxx-timeout`).
///
/// Arming later than the pending fire is a no-op, so the hot path never cancels and
/// reschedules a task per request (see `Watchdog`, which executes it on an event loop).
struct ConnectionDeadline: Equatable {
    /// When the scheduled fire happens; nil when nothing is scheduled.
    private(set) var firesAt: NIODeadline?
    /// Something was read or written since the last fire.
    var activity = false

    /// Whether a fire is pending.
    var isArmed: Bool { firesAt != nil }

    /// Makes sure the timer fires no later than `deadline`; returns the deadline the executor
    /// must schedule, or nil when the pending fire already comes first.
    mutating func arm(at deadline: NIODeadline) -> NIODeadline? {
        if let pending = firesAt, pending <= deadline { return nil }
        firesAt = deadline
        return deadline
    }

    /// The scheduled fire happened.
    mutating func fired() {
        firesAt = nil
    }

    /// What an inactivity check decides when the timer fires in an active phase: re-arm one
    /// timeout later when there was activity (clearing it), or nil when the session was idle.
    mutating func inactivityCheck(now: NIODeadline, timeout: TimeAmount) -> NIODeadline? {
        guard activity else { return nil }
        activity = false
        return arm(at: now + timeout)
    }
}
