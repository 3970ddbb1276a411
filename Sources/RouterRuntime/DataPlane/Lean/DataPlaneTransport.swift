/// Which transport carries a plaintext router's clients and nodes (`--data-plane`).
public enum DataPlaneTransport: String, Sendable, CaseIterable {
    /// SwiftNIO channels: the reference, and the only transport for TLS.
    case nio
    /// Lean loops on raw sockets with edge-triggered epoll.
    case epoll
}
