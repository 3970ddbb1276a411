import RouterConfig
import SocketSupport
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// The subscription server of one router: UDP (IPv4/IPv6) and unix datagram listeners whose
/// datagrams go to a `SubscriptionSink`. Bad datagrams are counted, logged and ignored.
///
/// Each listener, UDP or unix (path or `@abstract`), gets a reader thread that takes a batch of
/// datagrams per `recvmmsg(2)` (see `SubscriptionReceiver`), off the routing workers' loops
/// and the control plane's.
///
/// Binding happens in `bind(...)`, before the service group starts, so a port in use fails
/// startup with a message naming the address; `run()` then serves until graceful shutdown or
/// cancellation, closes the sockets and removes the unix socket files it created.
public final class SubscriptionServer: Service, Sendable {
    /// The most bytes a uWSGI router reads from one subscription datagram.
    public static let maximumDatagramSize = 4096
    /// The receive buffer: larger than the limit so oversize datagrams are detected, not
    /// silently truncated to something that might parse.
    static let receiveBufferSize = 8192

    /// The configured listeners, in order.
    public let listeners: [SocketAddressSpec]
    /// The addresses actually bound (port 0 resolved), in listener order.
    public let boundAddresses: [SocketAddressSpec]
    /// Received / accepted / rejected datagram counts.
    public let counters: SubscriptionCounters
    let receivers: [SubscriptionReceiver]
    private let socketFiles: [String]
    private let logger: Logger

    private init(
        listeners: [SocketAddressSpec],
        boundAddresses: [SocketAddressSpec],
        counters: SubscriptionCounters,
        receivers: [SubscriptionReceiver],
        socketFiles: [String],
        logger: Logger
    ) {
        self.listeners = listeners
        self.boundAddresses = boundAddresses
        self.counters = counters
        self.receivers = receivers
        self.socketFiles = socketFiles
        self.logger = logger
    }

    /// Binds every listener and starts its reader thread; returns the server, ready to `run()`.
    /// On failure, what was bound is closed again.
    ///
    /// A unix path socket is created under a 0177 umask, so it is never more open than
    /// `unixMode`, then given exactly `unixMode` (default 0660). With `passCredentials`, unix
    /// sockets receive each sender's credentials (`SO_PASSCRED`) into the datagram.
    public static func bind(
        listeners: [SocketAddressSpec],
        sink: any SubscriptionSink,
        logger: Logger,
        unixMode: UInt32 = 0o660,
        passCredentials: Bool = false,
        logLimit: LogRateLimiter = LogRateLimiter(),
        now: @escaping @Sendable () -> NIODeadline = { .now() }
    ) async throws -> SubscriptionServer {
        let counters = SubscriptionCounters()
        var bound: [SocketAddressSpec] = []
        var socketFiles: [String] = []
        var receivers: [SubscriptionReceiver] = []
        do {
            for spec in listeners {
                let intake = SubscriptionIntake(
                    listener: spec.configured, sink: sink, counters: counters, logger: logger, limiter: logLimit, now: now)
                switch spec.kind {
                case .inet:
                    let fd = try PosixSocket.boundUDPSocket(try spec.resolved(), configured: spec.configured)
                    let local: SocketAddress
                    do { local = try PosixSocket.localAddress(of: fd, configured: spec.configured) } catch {
                        close(fd)
                        throw error
                    }
                    receivers.append(try SubscriptionReceiver(
                        fd: fd, intake: intake, receiveBuffer: SubscriptionReceiver.receiveBuffer, acceptCoalesced: true))
                    bound.append(SocketAddressSpec(boundAddress: local))
                case .unixPath(let path):
                    try UnixSocketFile.removeStale(at: path)
                    let fd = try UnixSocketFile.withPrivateUmask { () throws(RuntimeError) -> CInt in
                        try PosixSocket.boundPathDatagramSocket(path: path, configured: spec.configured)
                    }
                    socketFiles.append(path)
                    do { try UnixSocketFile.setMode(mode_t(unixMode), at: path) } catch {
                        close(fd)
                        throw error
                    }
                    receivers.append(try SubscriptionReceiver(
                        fd: fd, intake: intake, passCredentials: passCredentials, receiveBuffer: SubscriptionReceiver.receiveBuffer))
                    bound.append(spec)
                case .abstract(let name):
                    let fd = try PosixSocket.boundAbstractSocket(
                        name: name, configured: spec.configured, type: SocketPrimitives.datagramType, backlog: nil)
                    receivers.append(try SubscriptionReceiver(
                        fd: fd, intake: intake, passCredentials: passCredentials, receiveBuffer: SubscriptionReceiver.receiveBuffer))
                    bound.append(spec)
                }
                logger.info("subscription server listening", metadata: ["address": "\(spec.configured)"])
            }
        } catch {
            for receiver in receivers { receiver.stop() }
            for path in socketFiles { UnixSocketFile.remove(at: path) }
            throw error
        }
        return SubscriptionServer(
            listeners: listeners, boundAddresses: bound, counters: counters,
            receivers: receivers, socketFiles: socketFiles, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation, then closes the listeners.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes every listener and removes the unix socket files this server created.
    public func shutdown() async {
        // stop() joins a thread; keep that off the cooperative pool's threads.
        let receivers = self.receivers
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                for receiver in receivers { receiver.stop() }
                done.resume()
            }.start()
        }
        for path in socketFiles { UnixSocketFile.remove(at: path) }
        logger.info("subscription server closed", metadata: ["addresses": "\(listeners.map(\.configured))"])
    }
}

/// Runs a bind and rewrites NIO's error into one naming the configured address.
func bindOrExplain<T>(_ spec: SocketAddressSpec, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError.bindFailed(address: spec.configured, reason: "\(error)")
    }
}
