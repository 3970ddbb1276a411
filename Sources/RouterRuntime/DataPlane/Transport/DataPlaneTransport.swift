import NIOCore

/// How a router's connections are carried: the transport binds the router's client listeners,
/// runs every accepted client's connection machine on one of its workers and opens the
/// upstream (node) connections those machines ask for.
///
/// The rest of the runtime sees only this seam: drivers describe what a listener serves
/// (`ClientProtocol`, which names a connection machine and its settings, never a socket type),
/// the engine pauses and stops listeners through `ListenerControl`, and the session table hops
/// onto workers through `DataPlaneWorker`. `NIOTransport` (SwiftNIO channels) is the first
/// conformer.
///
/// ## Plugging in a second transport
///
/// A transport on raw sockets (an edge-triggered epoll or io_uring loop) conforms here and is
/// chosen where `FleetRouterProcess` creates a router's transport; no driver, engine or
/// handler changes. It must:
/// 1. list its worker threads in `workers` (the router's `SessionTable` is built from them,
///    one ring each, and records a connection with `SessionTable.open(worker:…)` on the worker
///    that runs it);
/// 2. in `bindListener`, bind the name (`UwsgiAddress` rules `.bind`), call
///    `kind.connection(for:plane:)` once, and for each accepted client under `limit` run the
///    machine it names (`HTTPConnectionStateMachine` for `.http1`,
///    `StreamConnectionStateMachine` for `.stream`), passing a client's half-close on when
///    `kind.allowsRemoteHalfClosure`, asking `plane.policy` for nodes and carrying out the
///    machine's actions;
/// 3. open node connections with the contract of `UpstreamConnector` (`UpstreamDelegate` /
///    `UpstreamLink`), on the client's own worker so neither side needs locks;
/// 4. return a `ListenerControl` whose `setAccepting` pauses accepting (cheap mode) and whose
///    `stop(grace:)` stops accepting, sends each open connection's machine `stopRequested()`
///    and closes what is left after the grace.
public protocol DataPlaneTransport: Sendable {
    /// The threads client connections run on (one per `--xxx-workers`), in a fixed order; a
    /// worker's index in this list is its id in the session table.
    var workers: [any DataPlaneWorker] { get }

    /// Binds `name` and serves each accepted client with `kind`'s connection machine on one of
    /// the workers. The listener accepts at once unless `accepting` is false (a cheap router);
    /// a client beyond `limit` open connections is closed at accept and counted.
    func bindListener(
        name: String, serving kind: ClientProtocol, plane: DataPlane, accepting: Bool, limit: ConnectionLimit
    ) async throws -> any ListenerControl

    /// Stops the workers once every listener has stopped (process shutdown).
    func shutdown() async
}

/// One thread of a transport that runs client connections (a NIO event loop, a lean loop):
/// per-worker data (a session ring) is only touched on it, and read by hopping onto it.
public protocol DataPlaneWorker: Sendable {
    /// True when called on this worker's thread.
    var isCurrent: Bool { get }

    /// Runs `body` on the worker and returns its result; throws when the worker has stopped.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T

    /// Queues `task` on the worker from any thread without waiting; false once it has stopped.
    func execute(_ task: @escaping @Sendable () -> Void) -> Bool
}

/// A bound client listener as the router controls it: cheap mode pauses it, shutdown stops it
/// gracefully, and stats read its cap, refusals and open connections.
public protocol ListenerControl: AnyObject, Sendable {
    /// The listener's name as configured (`host:port`, `:port`, a unix path, `@name`).
    var name: String { get }
    /// The listener's connection cap and its refusals.
    var limit: ConnectionLimit { get }
    /// Client connections open now.
    var openConnections: Int { get }
    /// The bound address (with the real port when the name asked for port 0).
    var localAddress: SocketAddress? { get }

    /// Starts (true) or stops (false) accepting, for cheap mode: while stopped the socket stays
    /// bound, the kernel queues clients in the backlog, and they are served once resumed.
    func setAccepting(_ accepting: Bool)

    /// Stops accepting, lets open sessions finish their current request within `grace`, then
    /// closes whatever is left.
    func stop(grace: TimeAmount) async
}
