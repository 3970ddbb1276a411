/// Which transport carries the plaintext routers' clients and nodes (`--data-plane`).
public enum DataPlaneChoice: String, Sendable, CaseIterable {
    /// The default: NIO, unless `FLEETROUTER_DATA_PLANE` names another (see `resolved`).
    case auto
    /// Lean loops on raw sockets with edge-triggered epoll.
    case epoll
    /// SwiftNIO channels: the reference, and the only transport for TLS.
    case nio

    /// What `auto` means here: `FLEETROUTER_DATA_PLANE` (`epoll` or `nio`) when set, so a whole
    /// test suite or a deployment can switch without editing command lines, else NIO.
    public func resolved(environment: [String: String]) -> DataPlaneChoice {
        guard self == .auto else { return self }
        switch environment["FLEETROUTER_DATA_PLANE"] {
        case "epoll": return .epoll
        default: return .nio
        }
    }
}
