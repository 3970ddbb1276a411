import NIOCore

/// How a listener's clients are served, whatever the transport: which connection machine each
/// accepted client runs, with what settings. Each driver folder (`Drivers/HTTP`,
/// `Drivers/FastRouter`, `Drivers/RawRouter`) adds its constructor (`.http(_:)`, `.fast(_:)`,
/// `.raw(_:)`); a `DataPlaneTransport` carries the machine out.
public struct ClientProtocol: Sendable {
    /// True when a client may half-close its side and still get the node's answer.
    let allowsRemoteHalfClosure: Bool
    /// Called once per bound listener: what each of its accepted clients runs.
    let makeConnection: @Sendable (ClientListenerContext) -> ClientConnection
    /// A stage in front of the machine (TLS), run by `NIOTransport` only.
    let layer: (any NIOClientLayer)?

    /// A protocol: `makeConnection` runs once per listener, its result serves every client.
    init(
        allowsRemoteHalfClosure: Bool, layer: (any NIOClientLayer)? = nil,
        makeConnection: @escaping @Sendable (ClientListenerContext) -> ClientConnection
    ) {
        self.allowsRemoteHalfClosure = allowsRemoteHalfClosure
        self.layer = layer
        self.makeConnection = makeConnection
    }

    /// The same protocol with `layer` in front of its machine.
    func layered(_ layer: any NIOClientLayer) -> ClientProtocol {
        ClientProtocol(allowsRemoteHalfClosure: allowsRemoteHalfClosure, layer: layer, makeConnection: makeConnection)
    }

    /// What the clients of the listener `name` on `plane` run.
    func connection(for name: String, plane: DataPlane) -> ClientConnection {
        makeConnection(ClientListenerContext(name: name, plane: plane))
    }
}

/// What a driver's protocol may use of the listener it serves.
struct ClientListenerContext: Sendable {
    /// The listener's name as configured (`host:port`, `:port`, a unix path, `@name`).
    let name: String
    /// The router's data plane (routing policy, sessions, logger).
    let plane: DataPlane
}

/// The connection machine one listener's clients run, with its per-listener settings: the one
/// thing a transport switches over (never the router kind).
enum ClientConnection: Sendable {
    /// An HTTP/1.1 client, uwsgi to the nodes: `HTTPConnectionStateMachine`.
    case http1(HTTPListenerShared)
    /// A fast-router (uwsgi) or raw (TCP passthrough) client: `StreamConnectionStateMachine`.
    case stream(StreamListenerShared)
    /// A forkpty client, a pty and a child of its own: `PtySessionStateMachine`. Its pty is a
    /// NIO pipe channel, so only `NIOTransport` runs it; another transport refuses the kind.
    case pty(ForkptyListenerShared)
    /// A connection a driver serves with a NIO handler of its own (the HTTPS redirect), made
    /// per client; only `NIOTransport` runs it.
    case handler(NIOConnectionHandlerFactory)
}

/// Per-listener constants of a fast or raw router, computed once.
final class StreamListenerShared: Sendable {
    /// The router's data plane.
    let plane: DataPlane
    /// The connection machines' settings (the key's source included).
    let machine: StreamConnectionStateMachine.Configuration
    /// The connect timeout (the router's `--xxx-timeout`).
    let timeout: TimeAmount
    /// Where post-buffered bodies are spooled.
    let spoolDirectory: String

    init(mode: StreamConnectionStateMachine.Mode, options: StreamRouterOptions, plane: DataPlane) {
        self.plane = plane
        self.machine = StreamConnectionStateMachine.Configuration(mode: mode, options: options)
        self.timeout = options.timeout
        self.spoolDirectory = options.postBufferingDirectory ?? ConnectionSpool.defaultDirectory()
    }
}
