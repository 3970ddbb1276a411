import CLeanSockets
import NIOCore
import RouterConfig
import RouterWire
import SocketSupport

#if canImport(Glibc)
import Glibc
#endif

/// Binds the listening sockets of the lean transport: a TCP listener once per loop with
/// `SO_REUSEPORT` (the kernel spreads clients over the loops; port 0 is read back once and the
/// other copies bind the port chosen), a unix or abstract listener once for all loops.
enum LeanSocketBinder {
    /// The sockets of one listener.
    struct Bound {
        /// One per loop (TCP), or one shared by all.
        var sockets: [CInt]
        /// The address bound (the real port when 0 was asked for).
        var localAddress: SocketAddress?
        /// The unix socket file created, removed at stop.
        var socketFile: String?
    }

    /// Binds `name` (`host:port`, `:port`, `[v6]:port`, a unix path or `@name`).
    static func bind(_ name: String, copies: Int, backlog: CInt) throws -> Bound {
        let parsed: UwsgiAddress
        do { parsed = try UwsgiAddress(parsing: name, rules: .listen) } catch {
            throw RuntimeError.invalidAddress(name, expected: error.expected)
        }
        switch parsed.endpoint {
        case .abstract(let abstractName):
            let fd = try PosixSocket.boundAbstractSocket(
                name: abstractName, configured: name, type: SocketPrimitives.streamType, backlog: backlog)
            return Bound(sockets: [fd], localAddress: nil, socketFile: nil)
        case .unix(let path):
            try UnixSocketFile.removeStale(at: path)
            let address = try SocketAddress(unixDomainSocketPath: path)
            let fd = try listeningSocket(address, name: name, reusePort: false, backlog: backlog)
            return Bound(sockets: [fd], localAddress: address, socketFile: path)
        case .inet:
            var address = try SocketAddressSpec(parsed).resolved()
            var sockets: [CInt] = []
            do {
                for index in 0..<max(1, copies) {
                    let fd = try listeningSocket(address, name: name, reusePort: copies > 1, backlog: backlog)
                    sockets.append(fd)
                    if index == 0, address.port == 0 { address = try PosixSocket.localAddress(of: fd, configured: name) }
                }
            } catch {
                for fd in sockets { Glibc.close(fd) }
                throw error
            }
            return Bound(sockets: sockets, localAddress: address, socketFile: nil)
        case .inheritedDescriptor(let number):
            // One socket someone else bound: every loop accepts on it.
            let fd = try InheritedSocket.adopt(CInt(number), configured: name, backlog: backlog)
            return Bound(sockets: [fd], localAddress: InheritedSocket.localAddress(fd), socketFile: nil)
        case .sharedSocket:
            throw RuntimeError.invalidAddress(name, expected: InheritedSocket.listenerForms)
        }
    }

    private static func listeningSocket(_ address: SocketAddress, name: String, reusePort: Bool, backlog: CInt) throws(RuntimeError) -> CInt {
        let fd = lean_stream_socket(CInt(address.protocol.rawValue))
        guard fd >= 0 else { throw .bindFailed(address: name, reason: SocketPrimitives.lastError()) }
        if address.protocol.rawValue != AF_UNIX {
            _ = lean_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { _ = lean_set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        }
        let bound = address.withSockAddr { Glibc.bind(fd, $0, socklen_t($1)) }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let reason = SocketPrimitives.lastError()
            Glibc.close(fd)
            throw .bindFailed(address: name, reason: reason)
        }
        return fd
    }
}
