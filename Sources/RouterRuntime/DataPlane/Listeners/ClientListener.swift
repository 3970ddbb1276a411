import Logging
import NIOCore
import NIOPosix
import RouterConfig
import RouterWire
import SocketSupport
import Synchronization

/// How a listener's clients are served: the pipeline its router kind's driver installs on each
/// accepted connection. Each driver folder (`Drivers/HTTP`, `Drivers/FastRouter`,
/// `Drivers/RawRouter`) adds its constructor (`.http(_:)`, `.fast(_:)`, `.raw(_:)`).
public struct ClientProtocol: Sendable {
    /// True when a client may half-close its side and still get the node's answer.
    let allowsRemoteHalfClosure: Bool
    /// Called once per bound listener; returns what installs each accepted connection's pipeline.
    let makeConnectionInitializer: @Sendable (ClientListenerContext) -> @Sendable (any Channel) throws -> Void
    /// The same clients' executor on the lean transport, once per listener; nil when the kind
    /// runs on NIO only.
    let makeLeanKind: (@Sendable (ClientListenerContext) -> LeanClientKind)?

    /// A pipeline: `makeConnectionInitializer` runs once per listener, its result once per client.
    init(allowsRemoteHalfClosure: Bool,
         makeLeanKind: (@Sendable (ClientListenerContext) -> LeanClientKind)? = nil,
         makeConnectionInitializer: @escaping @Sendable (ClientListenerContext) -> @Sendable (any Channel) throws -> Void) {
        self.allowsRemoteHalfClosure = allowsRemoteHalfClosure
        self.makeLeanKind = makeLeanKind
        self.makeConnectionInitializer = makeConnectionInitializer
    }
}

/// What a driver's pipeline may use of the listener it serves.
struct ClientListenerContext: Sendable {
    /// The listener's name as configured (`host:port`, `:port`, a unix path, `@name`).
    let name: String
    /// The router's data plane (routing policy, sessions, logger).
    let plane: DataPlane
}

/// One listening socket of a router: accepts clients on the group's loops (`--xxx-workers`),
/// gives each the router kind's handler, can stop accepting while cheap, and stops gracefully.
public final class ClientListener: Sendable {
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
    public var openConnections: Int { registry.channels.withLock { $0.count } }

    /// The bound address (with the real port when the name asked for port 0).
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// Binds `name` and starts accepting (unless `accepting` is false: a cheap router); a
    /// client beyond `limit` open connections is closed at accept and counted.
    public static func bind(
        name: String,
        kind: ClientProtocol,
        group: any EventLoopGroup,
        plane: DataPlane,
        accepting: Bool = true,
        backlog: Int32 = 1024,
        limit: ConnectionLimit = ConnectionLimit(maximum: ConnectionLimit.defaultDataPlane)
    ) async throws -> ClientListener {
        let address = try ListenerAddress(name)
        let registry = Registry()
        let initializeConnection = kind.makeConnectionInitializer(ClientListenerContext(name: name, plane: plane))
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: accepting)
        if kind.allowsRemoteHalfClosure {
            bootstrap = bootstrap.childChannelOption(.allowRemoteHalfClosure, value: true)
        }
        bootstrap = bootstrap
            .childChannelInitializer { child in
                guard registry.add(child, limit: limit) else {
                    // Over the cap: refused at once (a reset-free close), counted in stats.
                    child.close(promise: nil)
                    return child.eventLoop.makeSucceededVoidFuture()
                }
                return child.eventLoop.makeCompletedFuture { try initializeConnection(child) }
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
        }
        plane.logger.info("router listening", metadata: ["address": "\(name)", "bound": "\(channel.localAddress?.description ?? "-")"])
        var socketFile: String?
        if case .socket(_, let file) = address { socketFile = file }
        return ClientListener(name: name, serverChannel: channel, registry: registry, limit: limit, socketFile: socketFile)
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
        let open = registry.channels.withLock { Array($0.values) }
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

    /// Where a listener binds: a NIO address (and the unix socket file it creates, if any), or
    /// an abstract name bound through `PosixSocket`.
    private enum ListenerAddress {
        case socket(SocketAddress, socketFile: String?)
        case abstract(String)

        /// Parses a listener name; `:port` means all interfaces.
        init(_ name: String) throws {
            let parsed: UwsgiAddress
            do { parsed = try UwsgiAddress(parsing: name, rules: .bind) } catch {
                throw RuntimeError.invalidAddress(name, expected: error.expected)
            }
            switch parsed.endpoint {
            case .abstract(let abstractName):
                self = .abstract(abstractName)
            case .unix(let path):
                self = .socket(try SocketAddress(unixDomainSocketPath: path), socketFile: path)
            case .inet:
                self = .socket(try SocketAddressSpec(parsed).resolved(), socketFile: nil)
            case .sharedSocket, .inheritedDescriptor:
                throw RuntimeError.invalidAddress(name, expected: "host:port, :port, [v6]:port, a unix path or @name (=N and fd://N are not supported)")
            }
        }
    }

    /// The open client connections of one listener, for graceful stop.
    private final class Registry: Sendable {
        let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

        func add(_ channel: any Channel, limit: ConnectionLimit) -> Bool {
            let id = ObjectIdentifier(channel)
            let admitted = channels.withLock { open -> Bool in
                guard open.count < limit.maximum else { return false }
                open[id] = channel
                return true
            }
            guard admitted else {
                limit.recordRefused()
                return false
            }
            channel.closeFuture.whenComplete { _ in
                _ = self.channels.withLock { $0.removeValue(forKey: id) }
            }
            return true
        }
    }
}
