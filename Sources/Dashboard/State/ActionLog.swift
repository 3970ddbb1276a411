import FleetModel

/// The bounded list of edits sent and what became of them (newest last).
public struct ActionLog: Sendable, Hashable {
    /// One edit sent to one router.
    public struct Entry: Sendable, Hashable {
        /// When it was sent.
        public var sentAt: FleetInstant
        /// The router and edit.
        public var plan: PlannedEdit
        /// The reply, nil while waiting.
        public var outcome: EditOutcome?
        /// When the reply came.
        public var finishedAt: FleetInstant?
    }

    /// Most entries kept.
    public let capacity: Int
    /// The entries, oldest first.
    public private(set) var entries: [Entry] = []

    /// Creates an empty log keeping at most `capacity` (at least 1) entries.
    public init(capacity: Int = 50) { self.capacity = max(1, capacity) }

    /// Records an edit as sent.
    public mutating func sent(_ plan: PlannedEdit, at now: FleetInstant) {
        entries.append(Entry(sentAt: now, plan: plan, outcome: nil, finishedAt: nil))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    /// Records a reply: fills the oldest waiting entry for the same router and edit, or adds
    /// one (a reply to an edit the log already dropped still shows).
    public mutating func finished(_ plan: PlannedEdit, _ outcome: EditOutcome, at now: FleetInstant) {
        if let index = entries.firstIndex(where: {
            $0.outcome == nil && $0.plan.router == plan.router && $0.plan.edit == plan.edit
        }) {
            entries[index].outcome = outcome
            entries[index].finishedAt = now
        } else {
            entries.append(Entry(sentAt: now, plan: plan, outcome: outcome, finishedAt: now))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Edits still waiting for a reply.
    public var pendingCount: Int { entries.filter { $0.outcome == nil }.count }
}

/// A status-line message: an error (router unreachable, edit refused) or a notice.
public struct StatusMessage: Sendable, Hashable {
    /// The text.
    public var text: String
    /// True for errors (drawn in the status-error role).
    public var isError: Bool
    /// When it was posted; notices fade after `StatusMessage.lifetime`.
    public var at: FleetInstant

    /// Seconds a notice stays; errors stay until replaced.
    public static let lifetime: Double = 8

    /// Creates a message.
    public init(_ text: String, isError: Bool = false, at: FleetInstant) {
        self.text = text
        self.isError = isError
        self.at = at
    }
}
