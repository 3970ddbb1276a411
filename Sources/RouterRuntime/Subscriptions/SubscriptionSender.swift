import RouterConfig
import SocketSupport
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends subscription datagrams to a router's subscription server (UDP, unix path or
/// `@abstract`), as uWSGI nodes do: fire and forget, one packet per datagram. Used by tests
/// and by fleettop to edit real uWSGI routers (e.g. an unsubscribe to drain a node).
///
/// Plain non-blocking `sendto(2)`: no event loop is needed for a few datagrams, and it
/// reaches abstract sockets with uWSGI's exact address length.
public final class SubscriptionSender: Sendable {
    /// Where datagrams go.
    public let destination: SocketAddressSpec
    private let fd: CInt
    private let address: SocketAddress?

    /// Opens a datagram socket for `destination` (resolving a host name once, now), bound to
    /// `source` when given (an IP address and port of the destination's family).
    public init(to destination: SocketAddressSpec, bindingTo source: SocketAddressSpec? = nil) throws(RuntimeError) {
        self.destination = destination
        let family: CInt
        switch destination.kind {
        case .inet:
            let resolved = try destination.resolved()
            address = resolved
            family = resolved.protocol.rawValue
        case .unixPath:
            address = try destination.resolved()
            family = AF_UNIX
        case .abstract:
            address = nil
            family = AF_UNIX
        }
        fd = socket(family, SocketPrimitives.datagramType, 0)
        guard fd >= 0 else { throw .sendFailed(address: destination.configured, reason: SocketPrimitives.lastError()) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if let source {
            let failure: String?
            if case .inet = source.kind, let local = try? source.resolved(), local.protocol.rawValue == family {
                let bound = local.withSockAddr { bind(fd, $0, socklen_t($1)) }
                failure = bound == 0 ? nil : SocketPrimitives.lastError()
            } else {
                failure = "the source must be an IP address and port of the destination's family"
            }
            if let failure {
                close(fd)
                throw .sendFailed(address: destination.configured, reason: "cannot bind the source \(source.configured): \(failure)")
            }
        }
    }

    deinit {
        close(fd)
    }

    /// Sends one datagram; a full socket buffer or an absent unix listener is an error.
    public func send(_ bytes: [UInt8]) throws(RuntimeError) {
        let sent: Int = bytes.withUnsafeBytes { raw in
            switch destination.kind {
            case .abstract(let name):
                return SocketPrimitives.withAbstractAddress(name) { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, $1) }
            case .inet, .unixPath:
                guard let address else { return -1 }
                return address.withSockAddr { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, socklen_t($1)) }
            }
        }
        guard sent == bytes.count else {
            throw .sendFailed(address: destination.configured, reason: sent < 0 ? SocketPrimitives.lastError() : "short send of \(sent) bytes")
        }
    }

    /// Sends the readable bytes of `buffer` as one datagram.
    public func send(_ buffer: ByteBuffer) throws(RuntimeError) {
        try send(Array(buffer.readableBytesView))
    }
}
