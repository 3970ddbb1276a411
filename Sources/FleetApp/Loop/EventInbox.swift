import Dashboard
import Foundation

/// Where background tasks (the poller, edits) leave events for the UI loop: a lock and a list.
/// The UI loop drains it between key presses; nothing here ever waits on the network.
///
/// Only the newest pending snapshot is kept: an older one would be replaced before it is drawn.
public final class EventInbox: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [DashboardEvent] = []
    private var counts = Counts()

    /// How many events of each kind have been posted so far.
    public struct Counts: Sendable, Hashable {
        /// Snapshots posted.
        public var snapshots = 0
        /// Edit replies posted.
        public var editsFinished = 0
    }

    /// Creates an empty inbox.
    public init() {}

    /// Adds an event (from any thread).
    public func post(_ event: DashboardEvent) {
        condition.lock()
        defer { condition.unlock() }
        switch event {
        case .snapshotUpdated:
            counts.snapshots += 1
            pending.removeAll { if case .snapshotUpdated = $0 { return true } else { return false } }
        case .editFinished:
            counts.editsFinished += 1
        default:
            break
        }
        pending.append(event)
        condition.broadcast()
    }

    /// Takes every pending event, oldest first.
    public func drain() -> [DashboardEvent] {
        condition.lock()
        defer { condition.unlock() }
        let events = pending
        pending.removeAll(keepingCapacity: true)
        return events
    }

    /// The counts so far.
    public var postedCounts: Counts {
        condition.lock()
        defer { condition.unlock() }
        return counts
    }

    /// Waits until `predicate` holds for the counts, at most `timeout`; returns whether it holds.
    /// For tests that must wait for a background event without sleeping.
    public func wait(timeout: Duration, until predicate: (Counts) -> Bool) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        // Each pass either returns or sleeps until a post or the deadline.
        while !predicate(counts) {
            if !condition.wait(until: deadline) { return predicate(counts) }
        }
        return true
    }
}
