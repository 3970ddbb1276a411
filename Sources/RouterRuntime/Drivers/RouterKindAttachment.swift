import RouterCore
import RouterWire

/// What a router kind's driver hands its engine once bound: for a kind whose sessions are not
/// the corerouter's (the forkpty router's ptys), its additions to the stats document (served by
/// the stats server and `GET /v1/state` alike) and the session edits of the admin API; for the
/// TLS kinds, what subscription slots bring (their SNI certificates).
protocol RouterKindAttachment: Sendable {
    /// Adds the kind's own state to the engine's document.
    func amend(_ document: inout StatsDocument)
    /// Closes the session whose child is `pid`; false when there is none.
    func kickSession(pid: UInt64) -> Bool
    /// A subscription slot was created (with the packet that created it) or removed.
    func slotChanged(_ change: SubscriptionSlotChange)
}

extension RouterKindAttachment {
    func amend(_ document: inout StatsDocument) {}

    func kickSession(pid: UInt64) -> Bool { false }

    func slotChanged(_ change: SubscriptionSlotChange) {}
}

/// A subscription slot's birth or end, as a kind's driver sees it.
enum SubscriptionSlotChange: Sendable {
    /// `packet` created the slot for `key`.
    case created(key: RouteKey, packet: SubscriptionPacket)
    /// The slot for `key` left the table.
    case removed(key: RouteKey)
}
