/// Why a session was closed without a backend (uWSGI closes with zero bytes in every case).
public enum GiveUpReason: String, Sendable, Hashable, CaseIterable {
    /// The request carried no routing key.
    case noKey
    /// The mapper found no alive node for the key (no attempt was made).
    case noNode
    /// At least one connect failed and nothing is left to try (max-retries reached, fallback
    /// list exhausted, or the mapper has no other node).
    case retriesExhausted

    /// The status the HTTP router answers with: 503 when there is no route, 502 when the
    /// route's nodes failed.
    public var httpStatus: Int {
        switch self {
        case .noKey, .noNode: return 503
        case .retriesExhausted: return 502
        }
    }

    /// A short explanation for the response body and the log.
    public var message: String {
        switch self {
        case .noKey: return "no routing key in the request"
        case .noNode: return "no node available for this key"
        case .retriesExhausted: return "every node tried failed to connect"
        }
    }
}
