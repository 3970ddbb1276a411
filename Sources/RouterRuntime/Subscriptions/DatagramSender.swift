import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A datagram's sender as the kernel gave it: an IP sender is kept as its raw `sockaddr`, and
/// made a `SocketAddress` (an allocation) only when something asks, which on the common path
/// (no `--subscription-allow`, a valid packet) nothing does.
enum DatagramSender: Sendable {
    /// An unbound or abstract unix sender, or an address family the server does not name.
    case none
    /// An IPv4 sender.
    case inet(sockaddr_in)
    /// An IPv6 sender.
    case inet6(sockaddr_in6)
    /// A sender already made an address (a unix path, or a datagram built by a caller).
    case address(SocketAddress)

    /// Reads the `length` bytes of a received `sockaddr` at `address`.
    init(_ address: UnsafeRawPointer, length: UInt32) {
        guard Int(length) > MemoryLayout<sa_family_t>.size else {
            self = .none
            return
        }
        switch CInt(address.load(as: sa_family_t.self)) {
        case AF_INET where Int(length) >= MemoryLayout<sockaddr_in>.size:
            self = .inet(address.loadUnaligned(as: sockaddr_in.self))
        case AF_INET6 where Int(length) >= MemoryLayout<sockaddr_in6>.size:
            self = .inet6(address.loadUnaligned(as: sockaddr_in6.self))
        case AF_UNIX:
            let unix = address.loadUnaligned(as: sockaddr_un.self)
            let isAbstract = withUnsafeBytes(of: unix.sun_path) { $0.first == 0 }
            self = isAbstract ? .none : .address(SocketAddress(unix))
        default:
            self = .none
        }
    }

    /// Wraps an address a caller already has.
    init(_ address: SocketAddress?) {
        self = address.map(DatagramSender.address) ?? .none
    }

    /// The sender as a `SocketAddress`; nil for `none`.
    var socketAddress: SocketAddress? {
        switch self {
        case .none: return nil
        case .inet(let address): return SocketAddress(address, host: "")
        case .inet6(let address): return SocketAddress(address, host: "")
        case .address(let address): return address
        }
    }
}
