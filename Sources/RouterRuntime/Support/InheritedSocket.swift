import NIOCore
import RouterConfig
import SocketSupport

#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets fleetrouter did not bind itself: `fd://N` listeners, systemd socket
/// activation (`LISTEN_PID` / `LISTEN_FDS`, descriptors from 3) and sockets received from a
/// zerg server. Each is checked to be a stream socket before a transport adopts it, so a
/// wrong number fails the start naming it instead of serving nothing.
enum InheritedSocket {
    /// systemd's first passed descriptor (`SD_LISTEN_FDS_START`).
    static let firstActivated: CInt = 3
    /// The listener forms the transports bind, for errors about `=N`.
    static let listenerForms = "host:port, :port, [v6]:port, a unix path, @name or fd://N (=N needs uWSGI's --shared-socket, which fleetrouter does not have)"
    /// Most descriptors taken from `LISTEN_FDS`.
    static let maximumActivated = 1024

    /// Makes `fd` ready for a transport: a stream socket, listening (with `backlog` if it was
    /// only bound), non-blocking and close-on-exec. `configured` names it in errors.
    static func adopt(_ fd: CInt, configured: String, backlog: CInt = 1024) throws(RuntimeError) -> CInt {
        var status = stat()
        guard fd >= 0, fstat(fd, &status) == 0 else {
            throw .bindFailed(address: configured, reason: "descriptor \(fd) is not open")
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw .bindFailed(address: configured, reason: "descriptor \(fd) is not a socket")
        }
        guard option(fd, SO_TYPE) == SocketPrimitives.streamType else {
            throw .bindFailed(address: configured, reason: "descriptor \(fd) is not a stream socket")
        }
        if option(fd, SO_ACCEPTCONN) != 1 && listen(fd, backlog) != 0 {
            throw .bindFailed(address: configured, reason: "listen on descriptor \(fd): \(SocketPrimitives.lastError())")
        }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0, fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else {
            throw .bindFailed(address: configured, reason: "fcntl on descriptor \(fd): \(SocketPrimitives.lastError())")
        }
        return fd
    }

    /// The local address of socket `fd`, if it has one NIO can express.
    static func localAddress(_ fd: CInt) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        switch CInt(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: "") } }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: "") } }
        case AF_UNIX where Int(length) > MemoryLayout<sa_family_t>.size + 1:
            let unix = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { $0.pointee } }
            let isAbstract = withUnsafeBytes(of: unix.sun_path) { $0.first == 0 }
            return isAbstract ? nil : SocketAddress(unix)
        default:
            return nil
        }
    }

    private static func option(_ fd: CInt, _ name: CInt) -> CInt {
        var value: CInt = -1
        var length = socklen_t(MemoryLayout<CInt>.size)
        return getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? value : -1
    }

    /// The descriptors systemd passed (`LISTEN_FDS` from 3), when `LISTEN_PID` is this process.
    /// Both variables are removed, as `sd_listen_fds(1)` does, so children do not take them.
    static func activated(environment: [String: String], pid: pid_t) -> [CInt] {
        guard let owner = environment["LISTEN_PID"].flatMap({ pid_t($0) }), owner == pid,
              let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count > 0 else { return [] }
        return (0..<min(count, maximumActivated)).map { firstActivated + CInt($0) }
    }

    /// `activated(environment:pid:)` for this process; clears the variables.
    static func takeActivated() -> [CInt] {
        var environment: [String: String] = [:]
        for name in ["LISTEN_PID", "LISTEN_FDS"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        return activated(environment: environment, pid: getpid())
    }
}
