import DataPlaneTesting
import NIOCore
import Testing
@testable import RouterRuntime
import Synchronization

@Suite("Listener: cheap-mode accept gate and graceful stop", .everyTransport)
struct ListenerTests {
    @Test("a client queued while the listener is paused is served once accepting resumes")
    func cheapQueueServedOnResume() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: [try NodeEndpoint(resolving: "127.0.0.1:\(node.port)")]),
            sessions: SessionTable(group: RouterHarness.group),
            logger: RouterHarness.quietLogger
        )
        let listener = try await ClientListener.bind(
            name: "127.0.0.1:0", kind: .http(HTTPRouterOptions()), group: RouterHarness.group, plane: plane, accepting: false
        )
        let port = listener.localAddress?.port ?? 0
        let client = try await RouterHarness.blocking {
            let client = try BlockingClient(port: port)
            try client.send("GET /queued HTTP/1.1\r\nHost: cheap.local\r\n\r\n")
            return UncheckedBox(client)
        }
        // The kernel completed the handshake, but nothing was accepted: no session, no request.
        let before = try await plane.sessions.snapshot()
        #expect(before.isEmpty)
        #expect(node.requests.load(ordering: .relaxed) == 0)
        listener.setAccepting(true)
        let response = try await RouterHarness.blocking { try client.value.readResponse() }
        #expect(response.status == 200)
        #expect(response.vars["PATH_INFO"] == "/queued")
        await listener.stop(grace: .seconds(1))
    }

    @Test("stop closes an idle keep-alive connection and refuses new clients")
    func gracefulStop() async throws {
        var options = HTTPRouterOptions()
        options.keepalive = true
        // Only stop may close the idle connection: a slowed machine (a sanitizer, CPU-bound
        // suites) can take longer than the 60 s default between connect and stop, and the
        // head timeout's 408 would then reach the client first.
        options.timeout = .seconds(3600)
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: []),
            sessions: SessionTable(group: RouterHarness.group),
            logger: RouterHarness.quietLogger
        )
        let listener = try await ClientListener.bind(name: "127.0.0.1:0", kind: .http(options), group: RouterHarness.group, plane: plane)
        let port = listener.localAddress?.port ?? 0
        let client = try await RouterHarness.blocking { UncheckedBox(try BlockingClient(port: port)) }
        // Wait (bounded: 30 s) until the connection is accepted, so stop sees it.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await plane.sessions.snapshot().isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await !plane.sessions.snapshot().isEmpty)
        await listener.stop(grace: .seconds(2))
        let closed = try await RouterHarness.blocking { try client.value.isClosedByPeer() }
        #expect(closed)
        #expect(throws: BlockingClient.Failure.self) { try BlockingClient(port: port) }
    }

    /// On io_uring a listener is watched by a multishot poll that holds the socket; removing
    /// it with a poll remove failed (EALREADY) while a wake-up was pending, so under a flood
    /// of connects the "closed" socket kept listening and clients queued in its backlog.
    @Test("stop during a flood of connects refuses the next client at once")
    func stopDuringConnectFlood() async throws {
        try await RouterHarness.withRouter(.http(HTTPRouterOptions()), nodes: []) { port, listener, _ in
            let flooding = Atomic(true)
            // Told once, when 200 clients connected or the flood ended before that.
            let (going, goingContinuation) = AsyncStream<Void>.makeStream()
            // Bounded: 50,000 connects or 20 s, whichever ends first; it ends at the first refusal.
            let flood = Task {
                try await RouterHarness.blocking {
                    defer { goingContinuation.finish() }
                    let end = ContinuousClock.now + .seconds(20)
                    var connected = 0
                    for _ in 0..<50_000 where flooding.load(ordering: .relaxed) && ContinuousClock.now < end {
                        guard (try? BlockingClient(port: port)) != nil else { return }
                        connected += 1
                        if connected == 200 { goingContinuation.yield() }
                    }
                }
            }
            // Stop while connects are arriving.
            for await _ in going { break }
            await listener.stop(grace: .seconds(1))
            // Refused; or, with the flood's sockets holding nearly every ephemeral port, the
            // client may get the freed port itself and connect to itself (seen once in a full
            // run), which is no listener either.
            let after = try? BlockingClient(port: port)
            #expect(after == nil || after?.isConnectedToItself == true, "a client connected after the stop")
            flooding.store(false, ordering: .relaxed)
            try await flood.value
        }
    }
}

/// Moves a non-Sendable test value across the blocking-thread boundary (used by one task at a time).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
