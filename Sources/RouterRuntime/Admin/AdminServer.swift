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
        /// An idle keep-alive connection is closed after this long.
        public var idleTimeout: TimeAmount
        /// How long shutdown waits for requests in progress.
        public var gracePeriod: TimeAmount
        /// `--admin-public-reads`: `GET /v1/state` needs no token.
        public var publicReads = false

        /// Creates a configuration (64 KiB bodies, 60 s idle, 5 s grace).
        public init(listener: SocketAddressSpec, bodyLimit: Int = 64 * 1024, idleTimeout: TimeAmount = .seconds(60), gracePeriod: TimeAmount = .seconds(5)) {
            self.listener = listener
            self.bodyLimit = bodyLimit
            self.idleTimeout = idleTimeout
            self.gracePeriod = gracePeriod
        }
    }

    /// The configuration it was bound with.
    public let configuration: Configuration
    /// The bound listener (its `boundAddress` has the real port).
    public let listener: StreamListener
    private let logger: Logger

    private init(configuration: Configuration, listener: StreamListener, logger: Logger) {
        self.configuration = configuration
        self.listener = listener
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
        let idle = configuration.idleTimeout
        let publicReads = configuration.publicReads
        let listener = try await StreamListener.bind(configuration.listener, group: group, unixMode: unixPath == nil ? nil : 0o600) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                try sync.addHandler(IdleStateHandler(readTimeout: idle))
                try sync.addHandler(AdminHTTPHandler(handler: handler, token: token, bodyLimit: limit, unixSocketPath: unixPath, logger: logger, publicReads: publicReads))
            }
        }
        if token == nil && unixPath == nil {
            logger.warning("admin API has no token file; every edit will be refused", metadata: ["address": "\(configuration.listener.configured)"])
        }
        logger.info("admin API listening", metadata: ["address": "\(configuration.listener.configured)"])
        return AdminServer(configuration: configuration, listener: listener, logger: logger)
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
