import RouterWire

/// What a router kind's driver hands its engine once bound, for a kind whose sessions are not
/// the corerouter's (the forkpty router's ptys): its additions to the stats document (served by
/// the stats server and `GET /v1/state` alike) and the session edits of the admin API.
protocol RouterKindAttachment: Sendable {
    /// Adds the kind's own state to the engine's document.
    func amend(_ document: inout StatsDocument)
    /// Closes the session whose child is `pid`; false when there is none.
    func kickSession(pid: UInt64) -> Bool
}
