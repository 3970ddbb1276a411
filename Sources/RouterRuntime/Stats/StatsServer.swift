import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A router's stats server (`--xxx-stats ADDR`, TCP or unix stream): writes the document on
/// connect and closes (what uWSGI clients expect), or with `--stats-http` answers one HTTP
/// request with it.
///
/// Unlike uWSGI, which serves stats inside the routing loop (an idle `--stats-http` client
/// stalls proxied traffic for up to 4 s), this server runs on its own event loop group, given
/// at `bind`, and never blocks: each connection waits on its own timer, so an idle or slow
/// stats client delays neither routing nor other stats clients.
public final class StatsServer: Service, Sendable {
    /// How the server is set up.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var listener: SocketAddressSpec
        /// Serve over HTTP (`--stats-http`) instead of raw JSON.
        public var http: Bool
        /// How long a connection may take to send its head, and again to read the answer
        /// (`--socket-timeout`, 4 s).
        public var socketTimeout: TimeAmount
        /// How long the server may take to produce the document before it closes the
        /// connection (its own work, not the peer's, so not bounded by `socketTimeout`; 30 s,
        /// and never less than `socketTimeout`).
        public var productionTimeout: TimeAmount
        /// How long shutdown waits for connections being answered.
        public var gracePeriod: TimeAmount
        /// Connections open at once (`--stats-max-connections`); more are closed at accept.
        public var maxConnections: Int

        /// Creates a configuration with uWSGI's defaults.
        public init(
            listener: SocketAddressSpec, http: Bool = false, socketTimeout: TimeAmount = .seconds(4),
            productionTimeout: TimeAmount = .seconds(30), gracePeriod: TimeAmount = .seconds(2),
            maxConnections: Int = ConnectionLimit.defaultStats
        ) {
            self.listener = listener
            self.http = http
            self.socketTimeout = socketTimeout
            self.productionTimeout = productionTimeout
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

    /// Binds the listener on `group`, which should be the control-plane group, never the
    /// routing workers' group.
    public static func bind(
        _ configuration: Configuration,
        source: any StatsSource,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> StatsServer {
        let mode: StatsConnectionHandler.Mode = configuration.http ? .http : .raw
        let timeout = configuration.socketTimeout
        let productionTimeout = max(configuration.productionTimeout, configuration.socketTimeout)
        let limit = ConnectionLimit(maximum: configuration.maxConnections)
        let listener = try await StreamListener.bind(configuration.listener, group: group, limit: limit) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                if mode == .http {
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                }
                try sync.addHandler(StatsConnectionHandler(
                    mode: mode, source: source, timeout: timeout, productionTimeout: productionTimeout, logger: logger))
            }
        }
        logger.info("stats server listening", metadata: [
            "address": "\(configuration.listener.configured)", "http": "\(configuration.http)",
        ])
        return StatsServer(configuration: configuration, listener: listener, limit: limit, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation, then stops accepting and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, lets answers in progress finish (bounded), closes the rest.
    public func shutdown() async {
        await listener.shutdown(grace: configuration.gracePeriod)
        logger.info("stats server closed", metadata: ["address": "\(configuration.listener.configured)"])
    }
}
