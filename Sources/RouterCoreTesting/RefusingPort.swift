#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP port that refuses connections for the rest of the test process.
///
/// The port is held by a socket that is bound and never listens, so a connect to it is refused.
/// A port that was bound, read back and closed is free again at once: a parallel test's port-0
/// listener can take it, and a test that expected a refused connect then sees an answer.
public enum RefusingPort {
    /// A fresh port on 127.0.0.1 held for the life of the process (one descriptor per call).
    public static func take() throws -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RefusingPortError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = RefusingPortError(call: "bind", errno: errno)
            close(fd)
            throw error
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = RefusingPortError(call: "getsockname", errno: errno)
            close(fd)
            throw error
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A system call that failed while taking a refusing port.
public struct RefusingPortError: Error, CustomStringConvertible {
    /// The call that failed.
    public let call: String
    /// Its errno.
    public let errno: Int32

    public var description: String { "\(call) for a refusing port failed: \(String(cString: strerror(errno)))" }
}
