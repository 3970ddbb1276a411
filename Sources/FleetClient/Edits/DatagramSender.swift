import SocketSupport
import FleetModel
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends one subscription datagram to a uWSGI subscription server, as uWSGI nodes do: UDP to
/// `host:port`, unix datagram to a path, or to `@abstract`. Fire and forget; a plain
/// non-blocking `sendto(2)`, no event loop needed for one packet.
enum DatagramSender {
    /// Sends `bytes` to `server`; throws the system's reason on failure.
    static func send(_ bytes: ByteBuffer, to server: StatsAddress) throws(AbstractSocket.Failure) {
        let payload = Array(bytes.readableBytesView)
        switch server {
        case let .abstract(name):
            try withSocket(family: AF_UNIX) { fd in
                payload.withUnsafeBytes { raw in
                    SocketPrimitives.withAbstractAddress(name) { sendto(fd, raw.baseAddress, raw.count, CInt(MSG_DONTWAIT), $0, $1) }
                }
            }
        case let .tcp(host, port), let .http(host, port, _):
            let address = try resolve(host: host, port: port)
            try send(payload, to: address)
        case let .unix(path):
            let address: SocketAddress
            do {
                address = try SocketAddress(unixDomainSocketPath: path)
            } catch {
                throw AbstractSocket.Failure(code: ENAMETOOLONG, message: "unusable unix socket path: \(error)")
            }
            try send(payload, to: address)
        }
    }

    private static func send(_ payload: [UInt8], to address: SocketAddress) throws(AbstractSocket.Failure) {
        try withSocket(family: address.protocol.rawValue) { fd in
            payload.withUnsafeBytes { raw in
                address.withSockAddr { sendto(fd, raw.baseAddress, raw.count, CInt(MSG_DONTWAIT), $0, socklen_t($1)) }
            }
        }
    }

    private static func resolve(host: String, port: UInt16) throws(AbstractSocket.Failure) -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: host, port: Int(port)) { return literal }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: Int(port))
        } catch {
            throw AbstractSocket.Failure(code: EHOSTUNREACH, message: "cannot resolve \(host): \(error)")
        }
    }

    /// Opens a datagram socket of `family`, runs `body` with it, and checks it sent everything.
    private static func withSocket(family: CInt, _ body: (CInt) -> Int) throws(AbstractSocket.Failure) {
        let fd = socket(family, SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw .current() }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let sent = body(fd)
        guard sent >= 0 else { throw .current() }
    }
}
