import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX socket helpers for what NIO's `SocketAddress` cannot express: exact-length
/// abstract unix addresses (`@name`), and fire-and-forget datagram sends.
enum PosixSocket {
    /// The socket type argument for `socket(2)`, portable across Glibc's enum and Darwin's int.
    static var streamType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_STREAM.rawValue)
        #else
        return SOCK_STREAM
        #endif
    }

    /// See `streamType`.
    static var datagramType: CInt {
        #if canImport(Glibc)
        return CInt(SOCK_DGRAM.rawValue)
        #else
        return SOCK_DGRAM
        #endif
    }

    /// The system's description of the current `errno`.
    static func lastError() -> String { String(cString: strerror(errno)) }

    /// Calls `body` with a `sockaddr_un` whose length covers exactly `"\0" + name`, as uWSGI
    /// binds abstract sockets (trailing NULs would be part of the name).
    static func withAbstractAddress<R>(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(SocketAddressSpec.maximumUnixPathLength - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Creates a non-blocking abstract unix socket of `type`, bound (and listening when
    /// `backlog` is given), ready to hand to a NIO bootstrap's `withBoundSocket`.
    static func boundAbstractSocket(name: String, configured: String, type: CInt, backlog: CInt?) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw .bindFailed(address: configured, reason: lastError()) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let bound = withAbstractAddress(name) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let reason = lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        if let backlog, listen(fd, backlog) != 0 {
            let reason = lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        return fd
    }

    /// Creates a unix datagram socket bound to the file `path` (blocking reads are polled).
    static func boundPathDatagramSocket(path: String, configured: String) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, datagramType, 0)
        guard fd >= 0 else { throw .bindFailed(address: configured, reason: lastError()) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let address: sockaddr_un
        do {
            guard case .unixDomainSocket(let unix) = try SocketAddress(unixDomainSocketPath: path) else {
                close(fd)
                throw RuntimeError.invalidAddress(configured, expected: "a unix socket path")
            }
            address = unix.address
        } catch {
            close(fd)
            throw .invalidAddress(configured, expected: "a unix path of at most \(SocketAddressSpec.maximumUnixPathLength) bytes")
        }
        var copy = address
        let bound = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let reason = lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        return fd
    }

    /// Creates a client stream socket connected (blocking) to an abstract name; the caller
    /// hands it to `ClientBootstrap.withConnectedSocket`.
    static func connectedAbstractStream(name: String, configured: String) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, streamType, 0)
        guard fd >= 0 else { throw .sendFailed(address: configured, reason: lastError()) }
        let connected = withAbstractAddress(name) { connect(fd, $0, $1) }
        guard connected == 0 else {
            let reason = lastError()
            close(fd)
            throw .sendFailed(address: configured, reason: reason)
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        return fd
    }
}
