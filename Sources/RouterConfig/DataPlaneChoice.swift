/// Which transport carries the plaintext routers' clients and nodes (`--data-plane`).
public enum DataPlaneChoice: String, Sendable, CaseIterable {
    /// The default: the lean io_uring loops; epoll where io_uring is refused, NIO where epoll
    /// is refused too or a listener needs TLS.
    case auto
    /// Lean loops on raw sockets with io_uring: linked submissions, one submit per loop tick.
    case uring
    /// Lean loops on raw sockets with edge-triggered epoll.
    case epoll
    /// SwiftNIO channels: the reference, and the only transport for TLS.
    case nio

    /// `auto` as `FLEETROUTER_DATA_PLANE` (`uring`, `epoll` or `nio`) names it when set, so a whole test
    /// suite or a deployment can switch transport without editing command lines; any other
    /// choice, or no variable, stays as it is.
    public func resolved(environment: [String: String]) -> DataPlaneChoice {
        guard self == .auto, let named = environment["FLEETROUTER_DATA_PLANE"].flatMap(DataPlaneChoice.init(rawValue:)) else {
            return self
        }
        return named
    }
}
