import CNIOLinux
import NIOCore
import RouterConfig

#if canImport(Glibc)
import Glibc
#endif

extension AddressRange {
    /// True when `address` is an IP socket address inside the network.
    public func contains(_ address: SocketAddress) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return contains(bytes)
    }

    /// The address bytes of an IP socket address; nil for a unix one.
    public static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            var raw = v4.address.sin_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
