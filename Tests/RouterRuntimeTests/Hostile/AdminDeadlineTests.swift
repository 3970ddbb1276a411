import Foundation
import NIOCore
import NIOPosix
import RouterCore
import RouterWire
import Synchronization
import Testing
@testable import RouterRuntime

/// The admin API's deadlines and caps, with injected short timeouts.
@Suite("Admin API deadlines and caps")
struct AdminDeadlineTests {
    func withServer(
        _ configure: (inout AdminServer.Configuration) -> Void,
        handler: any AdminHandler = RecordingAdminHandler(),
        _ body: (AdminServer, any EventLoopGroup) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = AdminServer.Configuration(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"))
        configure(&configuration)
        let server = try await AdminServer.bind(
            configuration, token: try AdminToken("secret-token"), handler: handler, group: group, logger: quietLogger)
        try await body(server, group)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("connections that send a head with Content-Length: 1000 and one body byte are all closed at the request deadline")
    func stalledBodies() async throws {
        // Only the request deadline can end these connections first: the idle limit is longer
        // than the client's own deadline, and a stalled body gets no answer. So "the server
        // closed it, silently" proves the request deadline, however slow the machine is (a
        // bound on the elapsed time would measure the machine's speed, not the deadline).
        try await withServer({ $0.requestTimeout = .milliseconds(300); $0.idleTimeout = .seconds(120) }) { server, group in
            let head = "POST /drain HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer secret-token\r\nContent-Length: 1000\r\n\r\nx"
            let connections = try await (0..<20).asyncMap { _ in
                try await TestClient.connect(server.listener.boundAddress, group: group, request: head, timeout: .seconds(60))
            }
            for connection in connections {
                let result = try await connection.result()
                #expect(result.sawEOF, "the server closed it, not the client's 60 s deadline")
                #expect(result.bytes.isEmpty, "closed by the deadline, without an answer")
            }
        }
    }

    @Test("a request that arrived in time is answered even when handling it outlasts the request deadline")
    func slowHandlingAnswered() async throws {
        // Handling takes three request deadlines (a starved task on a loaded machine); the
        // client sent everything at once, so it must get its answer, not a bare close.
        try await withServer({ $0.requestTimeout = .milliseconds(200); $0.idleTimeout = .seconds(120) },
                             handler: DelayedAdminHandler(delay: .milliseconds(600))) { server, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group, request: "GET /state HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                timeout: .seconds(60))
            #expect(result.sawEOF)
            #expect(parseResponses(result.text).first?.status == 200)
        }
    }

    @Test("a request whose handling never ends is closed at the processing deadline")
    func stuckHandlingClosed() async throws {
        try await withServer({ $0.processingTimeout = .milliseconds(300); $0.idleTimeout = .seconds(120) },
                             handler: DelayedAdminHandler(delay: .seconds(60))) { server, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group, request: "GET /state HTTP/1.1\r\nHost: a\r\n\r\n", timeout: .seconds(60))
            #expect(result.sawEOF, "the server's processing deadline, not the client's 60 s")
            #expect(result.bytes.isEmpty)
        }
    }

    @Test("when the processing deadline closes the connection, the handling task is cancelled")
    func stuckHandlingCancelled() async throws {
        // Left running, the task would hold the connection, its loop and itself alive for as
        // long as the handler takes (LeakSanitizer reported the loop at the test process's exit).
        let handler = CancellableAdminHandler()
        try await withServer({ $0.processingTimeout = .milliseconds(300); $0.idleTimeout = .seconds(120) }, handler: handler) { server, group in
            let result = try await TestClient.exchange(
                server.listener.boundAddress, group: group, request: "GET /state HTTP/1.1\r\nHost: a\r\n\r\n", timeout: .seconds(60))
            #expect(result.sawEOF)
            for _ in 0..<6_000 where !handler.finished.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(10)) }
            let cancelled = handler.cancelled.load(ordering: .acquiring)
            #expect(cancelled, "the handler's task was cancelled, not left to its 600 s")
        }
    }

    @Test("a connection that never sends a request is closed at the idle limit")
    func idleLimit() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(200) }) { server, group in
            let result = try await TestClient.exchange(server.listener.boundAddress, group: group, timeout: .seconds(10))
            #expect(result.sawEOF)
            #expect(result.bytes.isEmpty)
        }
    }

    @Test("a refused request's chunked body is not read without end: past the body cap the server answers and closes")
    func refusedBodyCapped() async throws {
        try await withServer({ $0.bodyLimit = 1024 }) { server, group in
            let chunk = String(repeating: "z", count: 512)
            var request = "POST /drain HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<8 { request += "200\r\n\(chunk)\r\n" }
            // No terminating chunk: without the cap the server would wait for more forever.
            let result = try await TestClient.exchange(server.listener.boundAddress, group: group, request: request, timeout: .seconds(10))
            #expect(result.sawEOF)
            #expect(parseResponses(result.text).first?.status == 401)
        }
    }

    @Test("a client over --admin-max-connections is closed at once and counted")
    func adminCap() async throws {
        try await withServer({ $0.maxConnections = 1 }) { server, group in
            let held = try await TestClient.connect(server.listener.boundAddress, group: group, timeout: .seconds(60))
            // The kernel completes the handshake before the server accepts: wait (bounded) until
            // the held connection is the one the server counts, so the next one is the refused one.
            for _ in 0..<2_000 where server.listener.connections.count < 1 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.listener.connections.count == 1)
            let refused = try await TestClient.exchange(server.listener.boundAddress, group: group, timeout: .seconds(60))
            #expect(refused.sawEOF)
            #expect(refused.bytes.isEmpty)
            #expect(server.limit.refused == 1)
            try await held.channel.close()
            _ = try await held.result()
        }
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

/// Answers as `RecordingAdminHandler` after `delay` (cut short if its task is cancelled).
struct DelayedAdminHandler: AdminHandler {
    let delay: Duration
    func handle(_ call: AdminCall) async -> AdminReply {
        try? await Task.sleep(for: delay)
        return await RecordingAdminHandler().handle(call)
    }
}

/// Waits up to 600 s, or until its task is cancelled, and records which it was.
final class CancellableAdminHandler: AdminHandler {
    let cancelled = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)

    func handle(_ call: AdminCall) async -> AdminReply {
        try? await Task.sleep(for: .seconds(600))
        cancelled.store(Task.isCancelled, ordering: .releasing)
        finished.store(true, ordering: .releasing)
        return await RecordingAdminHandler().handle(call)
    }
}
