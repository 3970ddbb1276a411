import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The admin API server (`--admin ADDR`, TCP or unix stream socket): HTTP/1.1 with keep-alive,
/// JSON bodies, bearer-token authorisation of edits, and an audit log line per edit.
///
/// A unix socket path is created with mode 0600 (bound under a 0177 umask, so it never exists
/// with looser bits). A unix peer (path or `@abstract`) whose kernel-reported credentials
/// (`SO_PEERCRED`) are this user's or root's may edit and read without the token; any other
/// peer needs it for edits and, over TCP unless `publicReads`, for `GET /v1/state`.
public final class AdminServer: Service, Sendable {
    /// How the server is set up.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var listener: SocketAddressSpec
        /// The largest accepted request body; larger gets 413.
        public var bodyLimit: Int
        /// A connection with no request in progress is closed after this long; reads of a
        /// head not yet complete do not extend it.
        public var idleTimeout: TimeAmount
        /// One request, from its first byte to the end of its body, must arrive within this;
        /// reads do not extend it.
        public var requestTimeout: TimeAmount
        /// Handling a request that arrived and writing its answer must finish within this (the
        /// server's own work, so not bounded by `requestTimeout`).
        public var processingTimeout: TimeAmount
        /// How long shutdown waits for requests in progress.
        public var gracePeriod: TimeAmount
        /// Connections open at once (`--admin-max-connections`); more are closed at accept.
        public var maxConnections: Int
        /// `--admin-public-reads`: `GET /v1/state` needs no token.
        public var publicReads = false

        /// Creates a configuration (64 KiB bodies, 60 s idle, 10 s per request, 30 s to answer
        /// it, 5 s grace, 64 connections).
        public init(
            listener: SocketAddressSpec, bodyLimit: Int = 64 * 1024, idleTimeout: TimeAmount = .seconds(60),
            requestTimeout: TimeAmount = .seconds(10), processingTimeout: TimeAmount = .seconds(30),
            gracePeriod: TimeAmount = .seconds(5), maxConnections: Int = ConnectionLimit.defaultAdmin
        ) {
            self.listener = listener
            self.bodyLimit = bodyLimit
            self.idleTimeout = idleTimeout
            self.requestTimeout = requestTimeout
            self.processingTimeout = processingTimeout
            self.gracePeriod = gracePeriod
            self.maxConnections = maxConnections
        }
    }

    /// The configuration it was bound with.
    public let configuration: Configuration
    /// The bound listener (its `boundAddress` has the real port).
    public let listener: StreamListener
    /// The connection cap and its refusals.
    public let limit: ConnectionLimit
    private let logger: Logger

    private init(configuration: Configuration, listener: StreamListener, limit: ConnectionLimit, logger: Logger) {
        self.configuration = configuration
        self.listener = listener
        self.limit = limit
        self.logger = logger
    }

    /// Binds the listener on `group` (the control-plane group). `token` is nil only when no
    /// `--admin-token-file` is configured; then only a private unix socket may edit.
    public static func bind(
        _ configuration: Configuration,
        token: AdminToken?,
        handler: any AdminHandler,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> AdminServer {
        var socketPath: String?
        if case .unixPath(let path) = configuration.listener.kind { socketPath = path }
        let unixPath = socketPath
        let limit = configuration.bodyLimit
        let deadlines = AdminDeadlineHandler.Timeouts(
            idle: configuration.idleTimeout, request: configuration.requestTimeout, processing: configuration.processingTimeout)
        let connections = ConnectionLimit(maximum: configuration.maxConnections)
        let publicReads = configuration.publicReads
        let listener = try await StreamListener.bind(
            configuration.listener, group: group, unixMode: unixPath == nil ? nil : 0o600, limit: connections
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                // First in the pipeline: it sees raw bytes, so a head trickled byte by byte is
                // inside the request deadline too.
                try sync.addHandler(AdminDeadlineHandler(timeouts: deadlines))
                try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                try sync.addHandler(AdminHTTPHandler(handler: handler, token: token, bodyLimit: limit, unixSocketPath: unixPath, logger: logger, publicReads: publicReads))
            }
        }
        if token == nil && unixPath == nil {
            logger.warning("admin API has no token file; every edit will be refused", metadata: ["address": "\(configuration.listener.configured)"])
        }
        logger.info("admin API listening", metadata: ["address": "\(configuration.listener.configured)"])
        return AdminServer(configuration: configuration, listener: listener, limit: connections, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation, then stops accepting and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, lets requests in progress finish (bounded), closes the rest.
    public func shutdown() async {
        await listener.shutdown(grace: configuration.gracePeriod)
        logger.info("admin API closed", metadata: ["address": "\(configuration.listener.configured)"])
    }
}
