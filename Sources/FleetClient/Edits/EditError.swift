import FleetModel

/// Why an edit could not even be attempted (as opposed to an `EditOutcome` the router gave).
public enum EditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The router's admin token file cannot be read.
    case unreadableTokenFile(router: RouterID, path: String, reason: String)
    /// The router's admin token file holds no token.
    case emptyTokenFile(router: RouterID, path: String)

    /// A message naming the router and the file.
    public var description: String {
        switch self {
        case let .unreadableTokenFile(router, path, reason):
            return "router \(router): cannot read admin token file \(path): \(reason)"
        case let .emptyTokenFile(router, path):
            return "router \(router): admin token file \(path) is empty; expected the bearer token"
        }
    }
}
