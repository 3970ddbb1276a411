import DataPlaneTesting
import CNIOLinux
import Foundation
import Glibc
import NIOCore
import RouterConfig
import RouterCoreTesting
import Synchronization
import Testing
@testable import RouterRuntime
import ThreadTesting

/// The lean executors over loopback, on each lean backend (io_uring, epoll) the machine offers.
@Suite("Lean executors over loopback", .everyLeanTransport)
struct LeanExecutorTests {
    static func http(_ edit: (inout HTTPRouterOptions) -> Void = { _ in }) -> ClientProtocol {
        var options = HTTPRouterOptions()
        options.serverName = "router.test"
        edit(&options)
        return .http(options)
    }

    @Test("HTTP: a GET reaches the node with the client's vars and the response comes back")
    func httpGet() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let response = try await RouterHarness.withRouter(Self.http(), nodes: [node.port]) { port, listener, _ in
            guard listener is LeanListenerControl else { throw LeanTestFailure.wrongTransport }
            return try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET /lean?q=1 HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 200)
        #expect(response.vars["PATH_INFO"] == "/lean")
        #expect(response.vars["QUERY_STRING"] == "q=1")
        #expect(response.vars["REMOTE_ADDR"] == "127.0.0.1")
        #expect(response.vars["SERVER_NAME"] == "router.test")
    }

    @Test("HTTP: keep-alive and pipelining serve every request on one connection, in order")
    func httpKeepAlivePipelined() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let kind = Self.http { $0.keepalive = true }
        let paths = try await RouterHarness.withRouter(kind, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                var paths: [String] = []
                for i in 0..<3 {
                    try client.send("GET /k\(i) HTTP/1.1\r\nHost: app.local\r\n\r\n")
                    paths.append(try client.readResponse().vars["PATH_INFO"] ?? "?")
                }
                try client.send("GET /p0 HTTP/1.1\r\nHost: a\r\n\r\nGET /p1 HTTP/1.1\r\nHost: a\r\n\r\n")
                for _ in 0..<2 { paths.append(try client.readResponse().vars["PATH_INFO"] ?? "?") }
                return paths
            }
        }
        #expect(paths == ["/k0", "/k1", "/k2", "/p0", "/p1"])
    }

    @Test("HTTP: with --http-nolinger the node connection ends in a reset and every response still arrives whole")
    func httpNolinger() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let kind = Self.http { $0.keepalive = true; $0.nolinger = true }
        let bodies = try await RouterHarness.withRouter(kind, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                var bodies: [String] = []
                for i in 0..<5 {
                    try client.send("GET /n\(i) HTTP/1.1\r\nHost: a\r\n\r\n")
                    bodies.append(try client.readResponse().vars["PATH_INFO"] ?? "?")
                }
                return bodies
            }
        }
        #expect(bodies == (0..<5).map { "/n\($0)" })
    }

    @Test("HTTP: a 4 MB POST body streams to the node intact under backpressure")
    func httpPostBody() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (body, expected) = await SeededBytes.body(count: 4_000_000, seed: 11)
        let response = try await RouterHarness.withRouter(Self.http(), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                // Only ends a broken run: 4 MB through a starved node can take a minute under a sanitizer.
                let client = try BlockingClient(port: port, timeoutSeconds: 60)
                try client.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n")
                try client.send(body)
                return try client.readResponse()
            }
        }
        #expect(response.vars["BODY"] == "\(body.count):\(expected)")
    }

    @Test("HTTP: a node nobody listens on is retried, then answered 502")
    func httpConnectRefused() async throws {
        let closed = try await RouterHarness.closedPort()
        let response = try await RouterHarness.withRouter(Self.http(), nodes: [closed]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 502)
    }

    @Test("HTTP: no node gives 503")
    func httpNoNode() async throws {
        let response = try await RouterHarness.withRouter(Self.http(), nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 503)
    }

    @Test("fast router: the packet goes to the node with the node's modifiers")
    func fastRouter() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let bytes = StreamRouterTests.packet([("UWSGI_FASTROUTER_KEY", "k"), ("PATH_INFO", "/f")], modifier1: 5, modifier2: 0)
        let response = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(bytes)
                return try client.readResponse()
            }
        }
        #expect(response.status == 200)
        #expect(response.vars["PATH_INFO"] == "/f")
        #expect(response.vars["MOD"] == "0,0")
    }

    @Test("raw router: half-close passes through and the reply still arrives")
    func rawHalfClose() async throws {
        let node = try await FakeUwsgiNode.start(.rawEcho, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let received = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("ping-pong")
                let echo = try client.read(count: 9)
                client.shutdownWrite()
                return String(decoding: echo + (try client.readToEnd()), as: UTF8.self)
            }
        }
        #expect(received == "ping-pongBYE 9")
    }

    @Test("the connection cap refuses a client over it at accept and counts it, over two loops")
    func connectionCap() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let transport = try LeanTransport(threads: 2, name: "test-cap", backend: RouterHarness.leanBackend)
        let plane = DataPlane(policy: StaticNodesPolicy(nodes: [try NodeEndpoint(resolving: "127.0.0.1:\(node.port)")]),
                              sessions: SessionTable(workers: transport.workers), logger: RouterHarness.quietLogger)
        let listener = try await transport.bindListener(
            name: "127.0.0.1:0", serving: Self.http { $0.keepalive = true }, plane: plane, accepting: true,
            limit: ConnectionLimit(maximum: 1))
        let port = listener.localAddress?.port ?? 0
        let refusedClosed = try await RouterHarness.blocking {
            let first = try BlockingClient(port: port)
            try first.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try first.readResponse()  // the first is being served: it counts
            let second = try BlockingClient(port: port)
            return second.waitClosedOrReset()
        }
        let sessions = try await plane.sessions.snapshot()
        await listener.stop(grace: .seconds(2))
        await transport.shutdown()
        #expect(refusedClosed)
        #expect(listener.limit.refused == 1)
        #expect(listener.openConnections == 0)
        #expect(sessions.count == 1)
        #expect(sessions.first?.requests == 1)
    }

    @Test("cheap mode: a paused listener queues clients, which are served once it resumes")
    func cheapPauseResume() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let response = try await RouterHarness.withRouter(Self.http(), nodes: [node.port]) { port, listener, _ in
            guard let lean = listener as? LeanListenerControl else { throw LeanTestFailure.wrongTransport }
            await lean.setAcceptingOnEveryLoop(false)
            let client = LoopBound(value: try BlockingClient(port: port))  // queued in the backlog
            try client.value.send("GET /later HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(node.requests.load(ordering: .relaxed) == 0)
            await lean.setAcceptingOnEveryLoop(true)
            return try await RouterHarness.blocking { try client.value.readResponse() }
        }
        #expect(response.vars["PATH_INFO"] == "/later")
    }
}

enum LeanTestFailure: Error {
    case wrongTransport
}

/// A node that sends `bytes` bytes to its one client as fast as it takes them, then closes:
/// the node's end arrives while the router holds its reads for a slower client.
final class BulkNode: Sendable {
    let port: Int
    private let listener: CInt

    init(bytes: Int) throws {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 4) == 0 else { throw LeanTestFailure.wrongTransport }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [fd] in
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let chunk = [UInt8](repeating: 0x61, count: 65536)
            var left = bytes
            while left > 0 {
                let sent = chunk.withUnsafeBytes { send(client, $0.baseAddress, min(left, $0.count), CInt(MSG_NOSIGNAL)) }
                guard sent > 0 else { break }
                left -= sent
            }
            close(client)
        }
        thread.start()
    }

    deinit { close(listener) }
}

extension LeanExecutorTests {
    @Test("raw router: a node's end that arrives while its reads are held still ends the client's stream")
    func rawEndWhileHeld() async throws {
        let total = 32 << 20
        for _ in 0..<3 {
            let node = try BulkNode(bytes: total)
            let received = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
                try await RouterHarness.blocking {
                    let client = try BlockingClient(port: port, timeoutSeconds: 30)
                    return try client.readToEnd().count
                }
            }
            #expect(received == total)
        }
    }
}

extension LeanExecutorTests {
    @Test("after the transport shut down, a hop onto its worker throws and a listener stop returns")
    func stoppedLoop() async throws {
        let transport = try LeanTransport(threads: 1, name: "test-stopped", backend: RouterHarness.leanBackend)
        let plane = DataPlane(policy: StaticNodesPolicy(nodes: []), sessions: SessionTable(workers: transport.workers),
                              logger: RouterHarness.quietLogger)
        let listener = try await transport.bindListener(
            name: "127.0.0.1:0", serving: Self.http(), plane: plane, accepting: true, limit: ConnectionLimit(maximum: 4))
        await transport.shutdown()
        await #expect(throws: LeanSocketError.self) { try await plane.sessions.snapshot() }
        await listener.stop(grace: .milliseconds(10))
    }
}
