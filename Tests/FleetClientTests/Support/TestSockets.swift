import RouterCoreTesting
import SocketSupport
import NIOConcurrencyHelpers
@testable import FleetClient

#if canImport(Glibc)
import Glibc
#endif

/// Unique names for sockets made by tests.
enum TestNames {
    private static let counter = NIOLockedValueBox(0)

    /// A name unique in this process and across concurrent test processes.
    static func unique(_ prefix: String) -> String {
        let next = counter.withLockedValue { value -> Int in
            value += 1
            return value
        }
        return "fleettop-\(prefix)-\(getpid())-\(next)"
    }

    /// A short unix socket path under /tmp (sun_path holds 108 bytes).
    static func socketPath() -> String {
        "/tmp/\(unique("s")).sock"
    }
}

/// Plain POSIX sockets the tests need besides NIO's.
enum TestSockets {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A non-blocking abstract unix stream socket, bound and listening, for `withBoundSocket`.
    static func boundAbstractListener(name: String) throws -> CInt {
        let fd = socket(AF_UNIX, SocketPrimitives.streamType, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        guard SocketPrimitives.withAbstractAddress(name, { bind(fd, $0, $1) }) == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Failure(description: "bind/listen @\(name): \(errno)")
        }
        return fd
    }

    /// A UDP socket bound to 127.0.0.1 on an ephemeral port: (fd, port).
    static func boundUDP() throws -> (CInt, UInt16) {
        let fd = socket(AF_INET, SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw Failure(description: "bind udp: \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A unix datagram socket bound to a fresh path: (fd, path).
    static func boundUnixDatagram() throws -> (CInt, String) {
        let path = TestNames.socketPath()
        let fd = socket(AF_UNIX, SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw Failure(description: "bind \(path): \(errno)")
        }
        return (fd, path)
    }

    /// A datagram already queued on `fd`, without waiting (nil when none is there).
    static func pendingDatagram(_ fd: CInt) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT)) }
        guard count >= 0 else { return nil }
        return Array(buffer[..<count])
    }

    /// A TCP port on 127.0.0.1 held by a socket that never listens, so a connect is refused
    /// (`RefusingPort`: held for the process, so no parallel test's listener can take it).
    static func closedPort() throws -> UInt16 {
        UInt16(try RefusingPort.take())
    }
}
