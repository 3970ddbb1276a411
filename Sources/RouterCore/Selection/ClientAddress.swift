/// The client's address as iphash needs it.
public enum ClientAddress: Sendable, Hashable {
    /// An IPv4 address as its four bytes in network order (`10.0.0.1` = `(10, 0, 0, 1)`).
    case ipv4(UInt8, UInt8, UInt8, UInt8)
    /// An IPv6 address as its 16 bytes in network order.
    case ipv6([UInt8])
    /// A UNIX socket or other non-IP peer; iphash picks nothing for it, as in uWSGI.
    case other

    /// uWSGI master's iphash value: for IPv4, `sin_addr.s_addr` read as a host integer, i.e. the
    /// network-order bytes as a little-endian u32 on the x86-64/arm64 hosts uWSGI runs on; for
    /// IPv6, djb33x of the 16 bytes. `nil` for non-IP clients.
    public var ipHash: UInt32? {
        switch self {
        case .ipv4(let a, let b, let c, let d):
            return UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(d) << 24
        case .ipv6(let bytes):
            return SubscriptionHash.djb33x(bytes)
        case .other:
            return nil
        }
    }
}
