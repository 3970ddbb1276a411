#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POSIX helpers for what NIO's `SocketAddress` cannot express: Linux abstract unix addresses
/// with uWSGI's exact length (`"\0" + name`, no trailing NULs), and plain datagram sends.
enum AbstractSocket {
    /// The longest abstract name that fits `sun_path` after the leading NUL.
    static let maximumNameLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// `SOCK_STREAM`, portable across Glibc's enum and Darwin's int.
    static var streamType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_STREAM.rawValue)
        #else
        return SOCK_STREAM
        #endif
    }

    /// `SOCK_DGRAM`, portable across Glibc's enum and Darwin's int.
    static var datagramType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_DGRAM.rawValue)
        #else
        return SOCK_DGRAM
        #endif
    }

    /// A socket call that failed, with `errno`.
    struct Failure: Error, Sendable, Hashable {
        /// The `errno` value.
        var code: CInt
        /// The system's message for it.
        var message: String

        /// Captures the current `errno`.
        static func current() -> Failure {
            let code = errno
            return Failure(code: code, message: String(cString: strerror(code)))
        }
    }

    /// Calls `body` with the address of `@name`, its length covering exactly `"\0" + name`.
    static func withAddress<R>(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(maximumNameLength))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// A non-blocking stream socket connected to `@name`, ready for
    /// `ClientBootstrap.withConnectedSocket`. A unix connect completes at once or fails
    /// (`EAGAIN` when the listener's queue is full), so this never blocks.
    static func connectedStream(name: String) throws(Failure) -> CInt {
        let fd = socket(AF_UNIX, streamType, 0)
        guard fd >= 0 else { throw .current() }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let result = withAddress(name) { connect(fd, $0, $1) }
        guard result == 0 else {
            let failure = Failure.current()
            close(fd)
            throw failure
        }
        return fd
    }
}
