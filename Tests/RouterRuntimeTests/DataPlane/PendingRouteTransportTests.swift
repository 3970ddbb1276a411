import DataPlaneTesting
import NIOConcurrencyHelpers
import NIOCore
import Synchronization
import Testing
@testable import RouterRuntime

/// A policy whose every first answer is pending: the test decides each route itself, after
/// reading it from `routes`. `finished` leases are reported on `released`.
final class HeldPolicy: RoutingPolicy {
    let routes: AsyncStream<PendingRoute>
    let released: AsyncStream<RouteLease>
    private let routeSink: AsyncStream<PendingRoute>.Continuation
    private let releaseSink: AsyncStream<RouteLease>.Continuation

    init() {
        (routes, routeSink) = AsyncStream.makeStream()
        (released, releaseSink) = AsyncStream.makeStream()
    }

    func route(key: ByteBuffer, clientAddress: SocketAddress?) -> RouteDecision {
        let pending = PendingRoute()
        routeSink.yield(pending)
        return .pending(pending)
    }

    func connectFailed(_ lease: RouteLease, error: any Error) -> RouteDecision {
        releaseSink.yield(lease)
        return .refused(.retriesExhausted)
    }

    func connected(_ lease: RouteLease) {}

    func finished(_ lease: RouteLease, bytesFromNode: UInt64, bytesToNode: UInt64) {
        releaseSink.yield(lease)
    }
}

/// Carries a stream into a timeout task (one consumer at a time).
struct HeldStreams: @unchecked Sendable {
    let policy: HeldPolicy
}

@Suite("A pending route on every transport: decided later, off the loop", .everyTransport)
struct PendingRouteTransportTests {
    static func withHeldRouter<T>(_ kind: ClientProtocol, _ body: (Int, HeldPolicy) async throws -> T) async throws -> T {
        let transport = try RouterHarness.makeTransport(RouterHarness.transport)
        let policy = HeldPolicy()
        let plane = DataPlane(policy: policy, sessions: SessionTable(workers: transport.workers), logger: RouterHarness.quietLogger)
        let listener = try await transport.bindListener(
            name: "127.0.0.1:0", serving: kind, plane: plane, accepting: true, limit: ConnectionLimit(maximum: 64))
        let port = listener.localAddress?.port ?? 0
        do {
            let result = try await body(port, policy)
            await listener.stop(grace: .seconds(2))
            await transport.shutdown()
            return result
        } catch {
            await listener.stop(grace: .milliseconds(10))
            await transport.shutdown()
            throw error
        }
    }

    static func nextRoute(_ policy: HeldPolicy) async throws -> PendingRoute {
        let held = HeldStreams(policy: policy)
        return try await withTimeout(10, "the policy asked for a route") {
            var iterator = held.policy.routes.makeAsyncIterator()
            guard let next = await iterator.next() else { throw TestTimeout(what: "a route") }
            return next
        }
    }

    static func nextRelease(_ policy: HeldPolicy) async throws -> RouteLease {
        let held = HeldStreams(policy: policy)
        return try await withTimeout(10, "a lease given back") {
            var iterator = held.policy.released.makeAsyncIterator()
            guard let next = await iterator.next() else { throw TestTimeout(what: "a lease") }
            return next
        }
    }

    @Test("HTTP: a route decided from another thread reaches the node; a refusal answers 502")
    func httpDecidedLater() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let endpoint = try NodeEndpoint(resolving: "127.0.0.1:\(node.port)")
        try await Self.withHeldRouter(HTTPRouterTests.options()) { port, policy in
            async let response = RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return try client.readResponse()
            }
            let pending = try await Self.nextRoute(policy)
            // Decided on a thread that is no event loop.
            try await RouterHarness.blocking { pending.decide(.node(UpstreamTarget(endpoint: endpoint, lease: RouteLease(rawValue: 7)))) }
            #expect(try await response.status == 200)
            #expect(try await Self.nextRelease(policy) == RouteLease(rawValue: 7))
            async let refused = RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return try client.readResponse()
            }
            try await Self.nextRoute(policy).decide(.refused(.resolverFailed))
            #expect(try await refused.status == 502)
        }
        await node.stop()
    }

    @Test("fastrouter: a route decided later reaches the node; a client that leaves while its route is pending costs no lease")
    func fastDecidedLaterAndAbandoned() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let endpoint = try NodeEndpoint(resolving: "127.0.0.1:\(node.port)")
        try await Self.withHeldRouter(.fast(StreamRouterOptions())) { port, policy in
            let packet = CodeSocketProtocol.request(key: Array("app.local".utf8), router: "test")
            async let answer = RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(packet)
                return try client.readToEnd()
            }
            try await Self.nextRoute(policy).decide(.node(UpstreamTarget(endpoint: endpoint, lease: RouteLease(rawValue: 1))))
            #expect(String(decoding: try await answer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            #expect(try await Self.nextRelease(policy) == RouteLease(rawValue: 1))
            let requestsBefore = node.requests.load(ordering: .relaxed)
            // This client leaves while its route is pending; the late node is given back.
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(packet)
            }
            let abandoned = try await Self.nextRoute(policy)
            abandoned.decide(.node(UpstreamTarget(endpoint: endpoint, lease: RouteLease(rawValue: 2))))
            #expect(try await Self.nextRelease(policy) == RouteLease(rawValue: 2))
            #expect(node.requests.load(ordering: .relaxed) - requestsBefore <= 1)
        }
        await node.stop()
    }
}
