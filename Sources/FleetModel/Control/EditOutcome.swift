/// What became of an edit sent to a router.
public enum EditOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The router took the edit and keeps it.
    case applied
    /// The router took the edit but it will not last (a uWSGI node's next announce undoes it).
    case appliedTemporarily(reason: String)
    /// The router (or the client, knowing the router) declined the edit.
    case refused(reason: String)
    /// The edit could not be delivered or its reply was not understood.
    case failed(error: String)

    /// True for `applied` and `appliedTemporarily`.
    public var isApplied: Bool {
        switch self {
        case .applied, .appliedTemporarily: return true
        case .refused, .failed: return false
        }
    }

    /// A short phrase for the action log.
    public var description: String {
        switch self {
        case .applied: return "applied"
        case let .appliedTemporarily(reason): return "applied temporarily (\(reason))"
        case let .refused(reason): return "refused: \(reason)"
        case let .failed(error): return "failed: \(error)"
        }
    }
}
