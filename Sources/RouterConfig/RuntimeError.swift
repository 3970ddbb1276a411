/// Errors the router runtime reports about addresses, sockets and files; each names the input
/// and what was expected, so a startup failure reads as an actionable message. It lives with
/// the configuration because address ranges are parsed (and refused) there.
public enum RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An address string that is not one of uWSGI's address forms.
    case invalidAddress(String, expected: String)
    /// A listener could not be bound; `reason` carries the system's words.
    case bindFailed(address: String, reason: String)
    /// A path exists where a unix socket should be created and is not a socket.
    case notASocket(path: String)
    /// The admin token file is missing, unreadable or empty.
    case adminTokenFile(path: String, reason: String)
    /// A datagram could not be sent; `reason` carries the system's words.
    case sendFailed(address: String, reason: String)

    /// A one-line description naming the input and the expectation.
    public var description: String {
        switch self {
        case .invalidAddress(let text, let expected): return "invalid address '\(text)': expected \(expected)"
        case .bindFailed(let address, let reason): return "cannot bind '\(address)': \(reason)"
        case .notASocket(let path): return "'\(path)' exists and is not a unix socket; refusing to replace it"
        case .adminTokenFile(let path, let reason): return "admin token file '\(path)': \(reason)"
        case .sendFailed(let address, let reason): return "cannot send to '\(address)': \(reason)"
        }
    }
}
