/// Whether a router lets an edit through, and if not, why (the UI shows the reason greyed).
public enum EditAvailability: Sendable, Hashable {
    /// The edit applies and lasts.
    case available
    /// The edit applies but will not last; the reason says until when.
    case temporary(reason: String)
    /// The edit cannot be made on this router.
    case unavailable(reason: String)

    /// True when the edit can be sent (`available` or `temporary`).
    public var isUsable: Bool {
        if case .unavailable = self { return false }
        return true
    }

    /// The reason, for `temporary` and `unavailable`.
    public var reason: String? {
        switch self {
        case .available: return nil
        case let .temporary(reason), let .unavailable(reason): return reason
        }
    }
}
