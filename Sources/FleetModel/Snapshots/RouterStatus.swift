/// A router's health as the dashboard shows it.
public enum RouterStatus: Sendable, Hashable {
    /// No poll has completed yet.
    case neverPolled
    /// The last successful poll, within the staleness window.
    case ok(at: FleetInstant)
    /// The router answered once but not within 3 × interval; its data is from `since`.
    case stale(since: FleetInstant, lastError: String?)
    /// The router never answered; the last attempt's error.
    case unreachable(error: String)
    /// The fleet registry no longer lists the router (its lease expired, or it stopped);
    /// it is not polled, and leaves the table after a while.
    case gone(since: FleetInstant)

    /// A short word for tables: `-`, `ok`, `stale`, `down`.
    public var label: String {
        switch self {
        case .neverPolled: return "-"
        case .ok: return "ok"
        case .stale: return "stale"
        case .unreachable: return "down"
        case .gone: return "gone"
        }
    }

    /// True when the router's latest data is fresh.
    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }
}
