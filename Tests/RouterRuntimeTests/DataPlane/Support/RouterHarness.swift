import DataPlaneTesting
import Foundation
import RouterConfig
import RouterCoreTesting
import Logging
import NIOCore
import NIOPosix
@testable import RouterRuntime
import ThreadTesting

/// Starts a router on 127.0.0.1:0 in front of static nodes, runs `body` with its port, stops it.
enum RouterHarness {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static let quietLogger: Logger = {
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }()

    /// The transport the data-plane tests run on, as for every router process a test starts:
    /// the one `.everyTransport` runs the test on, else `FLEETROUTER_DATA_PLANE`, else `auto`.
    static var transport: DataPlaneChoice { DataPlaneChoice(rawValue: TransportUnderTest.current) ?? .auto }

    /// The lean backend under test (`.everyLeanTransport`); epoll outside it.
    static var leanBackend: LeanBackend { LeanBackend(rawValue: TransportUnderTest.current) ?? .epoll }

    /// A transport of `choice`, chosen as a router chooses it: NIO on the shared group, or
    /// one lean loop of its own.
    static func makeTransport(_ choice: DataPlaneChoice) throws -> any DataPlaneTransport {
        try DataPlaneSelection.transport(
            choice: choice, plaintext: true, router: "test", logger: quietLogger,
            lean: { backend -> any DataPlaneTransport in try LeanTransport(threads: 1, name: "test-lean", backend: backend) },
            nio: { NIOTransport(group: group) })
    }

    static func withRouter<T>(
        _ kind: ClientProtocol,
        nodes: [Int],
        name: String = "127.0.0.1:0",
        transport choice: DataPlaneChoice = RouterHarness.transport,
        _ body: (Int, any ListenerControl, DataPlane) async throws -> T
    ) async throws -> T {
        let endpoints = try nodes.map { try NodeEndpoint(resolving: "127.0.0.1:\($0)") }
        let transport = try makeTransport(choice)
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: endpoints),
            sessions: SessionTable(workers: transport.workers),
            logger: quietLogger
        )
        let listener = try await transport.bindListener(
            name: name, serving: kind, plane: plane, accepting: true, limit: ConnectionLimit(maximum: ConnectionLimit.defaultDataPlane))
        let port = listener.localAddress?.port ?? 0
        do {
            let result = try await body(port, listener, plane)
            await listener.stop(grace: .seconds(2))
            await transport.shutdown()
            return result
        } catch {
            await listener.stop(grace: .milliseconds(10))
            await transport.shutdown()
            throw error
        }
    }

    /// A loopback port that refuses connections for the rest of the test process (`RefusingPort`).
    static func closedPort() async throws -> Int {
        try RefusingPort.take()
    }

    /// Runs blocking client code off the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await OwnThread.run("blocking") { () throws -> T in try work() }
    }
}
