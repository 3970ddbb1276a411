import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RouterConfig
import RouterWire
import SocketSupport
import Synchronization

/// One listening socket of a router on NIO (`NIOTransport`): accepts clients on the group's
/// loops (`--xxx-workers`), gives each the handler of its protocol's connection machine, can
/// stop accepting while cheap, and stops gracefully.
public final class ClientListener: ListenerControl {
    /// The listener's name as configured (`host:port`, `:port`, a unix path, `@name`).
    public let name: String
    private let serverChannel: any Channel
    private let registry: Registry
    /// The listener's connection cap and its refusals.
    public let limit: ConnectionLimit

    /// The unix socket file this listener created, removed when it stops.
    private let socketFile: String?

    private init(name: String, serverChannel: any Channel, registry: Registry, limit: ConnectionLimit, socketFile: String?) {
        self.name = name
        self.socketFile = socketFile
        self.serverChannel = serverChannel
        self.registry = registry
        self.limit = limit
    }

    /// Client connections open now.
    public var openConnections: Int { registry.channels.withLockedValue { $0.count } }

    /// The bound address (with the real port when the name asked for port 0).
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The receive allocator of a client connection under `--xxx-buffer-size BYTES`: the first
    /// read gets BYTES (at least 64, rounded down to a power of two, as NIO sizes its reads),
    /// and later reads adapt between 64 bytes and 64 KiB, or BYTES when larger, as uWSGI's HTTP
    /// router grows its buffers up to 64 KiB.
    static func receiveAllocator(bufferSize: Int) -> AdaptiveRecvByteBufferAllocator {
        let initial = max(64, bufferSize)
        return AdaptiveRecvByteBufferAllocator(minimum: 64, initial: initial, maximum: max(65536, initial))
    }

    /// Binds `name` and starts accepting (unless `accepting` is false: a cheap router); a
    /// client beyond `limit` open connections is closed at accept and counted.
    public static func bind(
        name: String,
        kind: ClientProtocol,
        group: any EventLoopGroup,
        plane: DataPlane,
        accepting: Bool = true,
        backlog: Int32 = 1024,
        limit: ConnectionLimit = ConnectionLimit(maximum: ConnectionLimit.defaultDataPlane),
        receiveBufferSize: Int? = nil
    ) async throws -> ClientListener {
        let address = try ListenerAddress(name)
        let registry = Registry()
        let connection = kind.connection(for: name, plane: plane)
        let workerIndex = plane.sessions.workerIndexByLoop()
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: accepting)
        if kind.allowsRemoteHalfClosure {
            bootstrap = bootstrap.childChannelOption(.allowRemoteHalfClosure, value: true)
        }
        if let receiveBufferSize {
            bootstrap = bootstrap.childChannelOption(.recvAllocator, value: Self.receiveAllocator(bufferSize: receiveBufferSize))
        }
        bootstrap = bootstrap
            .childChannelInitializer { child in
                guard registry.add(child, limit: limit) else {
                    // Over the cap: refused at once (a reset-free close), counted in stats.
                    child.close(promise: nil)
                    return child.eventLoop.makeSucceededVoidFuture()
                }
                // A loop outside the session table's workers gets an untracked session.
                let worker = workerIndex[ObjectIdentifier(child.eventLoop)] ?? -1
                return child.eventLoop.makeCompletedFuture {
                    try kind.layer?.addHandlers(to: child.pipeline.syncOperations)
                    try child.pipeline.syncOperations.addHandler(Self.handler(for: connection, worker: worker))
                }
            }
        let channel: any Channel
        switch address {
        case .socket(let socketAddress, let socketFile):
            // A file left by a run that did not shut down would fail the bind with EADDRINUSE.
            if let socketFile { try UnixSocketFile.removeStale(at: socketFile) }
            channel = try await bootstrap.bind(to: socketAddress).get()
        case .abstract(let abstractName):
            // Bound with the exact address length, as uWSGI and every other listener here bind
            // `@name`; NIO's `SocketAddress` would pad it to the whole `sun_path`.
            let fd = try PosixSocket.boundAbstractSocket(
                name: abstractName, configured: name, type: SocketPrimitives.streamType, backlog: backlog)
            channel = try await bootstrap.withBoundSocket(fd).get()
        case .inherited(let fd):
            channel = try await bootstrap.withBoundSocket(fd).get()
        }
        plane.logger.info("router listening", metadata: ["address": "\(name)", "bound": "\(channel.localAddress?.description ?? "-")"])
        var socketFile: String?
        if case .socket(_, let file) = address { socketFile = file }
        return ClientListener(name: name, serverChannel: channel, registry: registry, limit: limit, socketFile: socketFile)
    }

    /// The handler that runs `connection`'s machine for one client on worker `worker`.
    private static func handler(for connection: ClientConnection, worker: Int) -> any ChannelHandler {
        switch connection {
        case .http1(let shared): HTTPRouterHandler(shared: shared, worker: worker)
        case .stream(let shared): StreamRelayHandler(shared: shared, worker: worker)
        case .pty(let shared): ForkptySessionHandler(shared: shared)
        case .handler(let factory): factory.make()
        }
    }

    /// Starts (true) or stops (false) accepting, for cheap mode: while stopped the socket stays
    /// bound, the kernel queues clients in the backlog, and they are served once resumed.
    public func setAccepting(_ accepting: Bool) {
        // NIO resumes reading (accepting) by itself when autoRead is switched back on.
        serverChannel.setOption(.autoRead, value: accepting).whenComplete { _ in }
    }

    /// Stops accepting, lets open sessions finish their current request within `grace`, then
    /// closes whatever is left.
    public func stop(grace: TimeAmount) async {
        try? await serverChannel.close()
        if let socketFile { UnixSocketFile.remove(at: socketFile) }
        let open = registry.channels.withLockedValue { Array($0.values) }
        guard let loop = open.first?.eventLoop else { return }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(RouterStopEvent())
        }
        let deadline = loop.scheduleTask(in: grace) {
            for channel in open { channel.close(promise: nil) }
        }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        deadline.cancel()
    }

    /// Where a listener binds: a NIO address (and the unix socket file it creates, if any), an
    /// abstract name bound through `PosixSocket`, or a socket bound by someone else (`fd://N`).
    private enum ListenerAddress {
        case socket(SocketAddress, socketFile: String?)
        case abstract(String)
        case inherited(CInt)

        /// Parses a listener name; `:port` means all interfaces.
        init(_ name: String) throws {
            let parsed: UwsgiAddress
            do { parsed = try UwsgiAddress(parsing: name, rules: .listen) } catch {
                throw RuntimeError.invalidAddress(name, expected: error.expected)
            }
            switch parsed.endpoint {
            case .abstract(let abstractName):
                self = .abstract(abstractName)
            case .unix(let path):
                self = .socket(try SocketAddress(unixDomainSocketPath: path), socketFile: path)
            case .inet:
                self = .socket(try SocketAddressSpec(parsed).resolved(), socketFile: nil)
            case .inheritedDescriptor(let fd):
                self = .inherited(try InheritedSocket.adopt(CInt(fd), configured: name))
            case .sharedSocket:
                throw RuntimeError.invalidAddress(name, expected: InheritedSocket.listenerForms)
            }
        }
    }

    /// The open client connections of one listener, for graceful stop.
    private final class Registry: Sendable {
        /// Behind a pthread mutex (`NIOLockedValueBox`), not `Synchronization.Mutex`: channels
        /// are added and removed on every loop, and ThreadSanitizer does not see a contended
        /// `Mutex`'s hand-over through the kernel (`FUTEX_LOCK_PI`), so it reported a race here.
        let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

        func add(_ channel: any Channel, limit: ConnectionLimit) -> Bool {
            let id = ObjectIdentifier(channel)
            let admitted = channels.withLockedValue { open -> Bool in
                guard open.count < limit.maximum else { return false }
                open[id] = channel
                return true
            }
            guard admitted else {
                limit.recordRefused()
                return false
            }
            channel.closeFuture.whenComplete { _ in
                _ = self.channels.withLockedValue { $0.removeValue(forKey: id) }
            }
            return true
        }
    }
}
