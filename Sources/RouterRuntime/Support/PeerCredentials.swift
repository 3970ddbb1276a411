import NIOCore
import SocketSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unix socket peer's process credentials as the kernel reports them (`SO_PEERCRED` on a
/// stream connection, `SCM_CREDENTIALS` on a datagram), never as the peer claims them.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The peer's process id.
    public var pid: Int32
    /// The peer's user id.
    public var uid: UInt32
    /// The peer's group id.
    public var gid: UInt32

    /// Creates credentials.
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// `pid=… uid=… gid=…`.
    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }

    /// True for this process's effective user or root: the peers an admin unix socket trusts.
    public var isSameUserOrRoot: Bool { uid == 0 || uid == geteuid() }

    /// Linux's `SO_PEERCRED` and `SO_PASSCRED` option names.
    static let peerCredentialsOption: CInt = 17
    static let passCredentialsOption: CInt = 16

    /// `struct ucred`'s layout: pid, uid, gid.
    struct RawCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The credentials of the peer of a connected unix stream channel (nil for TCP, or when
    /// the kernel does not say). Completes on the channel's event loop.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        guard case .unixDomainSocket = channel.localAddress ?? channel.remoteAddress,
              let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        #if os(Linux)
        let future: EventLoopFuture<RawCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(peerCredentialsOption))
        return future.map { Optional(PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid)) }
            .recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}
