import NIOCore
import RouterConfig
import SocketSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The runtime's POSIX socket helpers built on `SocketPrimitives`: bound and connected sockets
/// for exact-length abstract unix addresses (`@name`), unix datagram paths and UDP addresses.
enum PosixSocket {
    /// Creates a non-blocking abstract unix socket of `type`, bound (and listening when
    /// `backlog` is given), ready to hand to a NIO bootstrap's `withBoundSocket`.
    static func boundAbstractSocket(name: String, configured: String, type: CInt, backlog: CInt?) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw .bindFailed(address: configured, reason: SocketPrimitives.lastError()) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let bound = SocketPrimitives.withAbstractAddress(name) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        if let backlog, listen(fd, backlog) != 0 {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        return fd
    }

    /// Creates a unix datagram socket bound to the file `path` (blocking reads are polled).
    static func boundPathDatagramSocket(path: String, configured: String) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw .bindFailed(address: configured, reason: SocketPrimitives.lastError()) }
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
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        return fd
    }

    /// Creates a client stream socket connected (blocking) to an abstract name; the caller
    /// hands it to `ClientBootstrap.withConnectedSocket`.
    static func connectedAbstractStream(name: String, configured: String) throws(RuntimeError) -> CInt {
        let fd = socket(AF_UNIX, SocketPrimitives.streamType, 0)
        guard fd >= 0 else { throw .sendFailed(address: configured, reason: SocketPrimitives.lastError()) }
        let connected = SocketPrimitives.withAbstractAddress(name) { connect(fd, $0, $1) }
        guard connected == 0 else {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .sendFailed(address: configured, reason: reason)
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        return fd
    }

    /// Creates a close-on-exec UDP socket bound to `address` (reads are polled).
    static func boundUDPSocket(_ address: SocketAddress, configured: String) throws(RuntimeError) -> CInt {
        let fd = socket(CInt(address.protocol.rawValue), SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw .bindFailed(address: configured, reason: SocketPrimitives.lastError()) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard address.withSockAddr({ bind(fd, $0, socklen_t($1)) }) == 0 else {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .bindFailed(address: configured, reason: reason)
        }
        return fd
    }

    /// The address a socket is bound to (the real port when 0 was asked for).
    static func localAddress(of fd: CInt, configured: String) throws(RuntimeError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0, let address = LeanListener.socketAddress(storage) else {
            throw .bindFailed(address: configured, reason: SocketPrimitives.lastError())
        }
        return address
    }
}
