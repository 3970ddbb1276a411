#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX socket pieces NIO's `SocketAddress` cannot express, shared by the router runtime
/// and the fleet client: Linux abstract unix addresses with uWSGI's exact length
/// (`"\0" + name`, no trailing NULs, which would be part of the name), the portable socket
/// type constants, and the current `errno` as text.
public enum SocketPrimitives {
    /// The longest abstract name that fits `sun_path` after the leading NUL.
    public static let maximumAbstractNameLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// `SOCK_STREAM` for `socket(2)`, portable across Glibc's enum and Darwin's int.
    public static var streamType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_STREAM.rawValue)
        #else
        return SOCK_STREAM
        #endif
    }

    /// `SOCK_DGRAM` for `socket(2)`, portable across Glibc's enum and Darwin's int.
    public static var datagramType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_DGRAM.rawValue)
        #else
        return SOCK_DGRAM
        #endif
    }

    /// The system's description of the current `errno`.
    public static func lastError() -> String { String(cString: strerror(errno)) }

    /// Calls `body` with the address of `@name`, its length covering exactly `"\0" + name`.
    public static func withAbstractAddress<R>(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(maximumAbstractNameLength))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
