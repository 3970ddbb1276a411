import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import RouterRuntime

/// Starts a router on 127.0.0.1:0 in front of static nodes, runs `body` with its port, stops it.
enum RouterHarness {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static let quietLogger: Logger = {
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }()

    /// The transport the data-plane tests run on: `FLEETROUTER_TEST_DATA_PLANE=epoll` runs
    /// them on the lean epoll loops, anything else (or nothing) on NIO.
    static let transport: DataPlaneTransport =
        ProcessInfo.processInfo.environment["FLEETROUTER_TEST_DATA_PLANE"] == "epoll" ? .epoll : .nio

    /// The router a test runs against, on either transport.
    enum Listener {
        case nio(ClientListener)
        case lean(LeanRouterServer)
    }

    static func withRouter<T>(
        _ kind: ClientProtocol,
        nodes: [Int],
        name: String = "127.0.0.1:0",
        transport: DataPlaneTransport = RouterHarness.transport,
        _ body: (Int, Listener, DataPlane) async throws -> T
    ) async throws -> T {
        let endpoints = try nodes.map { try NodeEndpoint(resolving: "127.0.0.1:\($0)") }
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: endpoints),
            sessions: SessionTable(group: group),
            logger: quietLogger
        )
        if transport == .epoll, let makeLeanKind = kind.makeLeanKind {
            let server = try LeanRouterServer.start(
                listeners: [.init(name: name, kind: makeLeanKind(ClientListenerContext(name: name, plane: plane)))],
                workers: 1, plane: plane, accepting: true, limit: ConnectionLimit(maximum: ConnectionLimit.defaultDataPlane))
            let port = server.localAddresses.first??.port ?? 0
            do {
                let result = try await body(port, .lean(server), plane)
                await server.stop(grace: .seconds(2))
                return result
            } catch {
                await server.stop(grace: .milliseconds(10))
                throw error
            }
        }
        let listener = try await ClientListener.bind(name: name, kind: kind, group: group, plane: plane)
        let port = listener.localAddress?.port ?? 0
        do {
            let result = try await body(port, .nio(listener), plane)
            await listener.stop(grace: .seconds(2))
            return result
        } catch {
            await listener.stop(grace: .milliseconds(10))
            throw error
        }
    }

    /// A loopback port nobody listens on (bound, read back, closed).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }

    /// Runs blocking client code off the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }
}
