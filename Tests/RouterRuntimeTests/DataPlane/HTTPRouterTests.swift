import DataPlaneTesting
import Foundation
import NIOCore
import RouterCoreTesting
import Testing
@testable import RouterRuntime
import ThreadTesting

@Suite("HTTP router over loopback", .everyTransport)
struct HTTPRouterTests {
    static func options(_ edit: (inout HTTPRouterOptions) -> Void = { _ in }) -> ClientProtocol {
        var options = HTTPRouterOptions()
        options.serverName = "router.test"
        options.timeout = .seconds(60) // inactivity bound only; a loaded machine can stall a transfer for seconds
        edit(&options)
        return .http(options)
    }

    /// A head every router refuses with 400 (its Content-Length is no number).
    static let refusedHead = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x1\r\n\r\n"

    @Test("GET reaches the node with uWSGI's vars and the response comes back")
    func getWithVars() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let response = try await RouterHarness.withRouter(Self.options(), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET /a%20b/c?x=1&y=%20 HTTP/1.1\r\nHost: app.local\r\nX-Trace-Id: 7\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 200)
        let vars = response.vars
        #expect(vars["REQUEST_METHOD"] == "GET")
        #expect(vars["PATH_INFO"] == "/a b/c")
        #expect(vars["REQUEST_URI"] == "/a%20b/c?x=1&y=%20")
        #expect(vars["QUERY_STRING"] == "x=1&y=%20")
        #expect(vars["HTTP_HOST"] == "app.local")
        #expect(vars["HTTP_X_TRACE_ID"] == "7")
        #expect(vars["REMOTE_ADDR"] == "127.0.0.1")
        #expect(vars["SERVER_NAME"] == "router.test")
        #expect(vars["SERVER_PROTOCOL"] == "HTTP/1.1")
        #expect(vars["UWSGI_ROUTER"] == "http")
        #expect(vars["MOD"] == "0,0")
    }

    @Test("keep-alive serves three requests on one connection")
    func keepAliveThree() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let paths = try await RouterHarness.withRouter(Self.options { $0.keepalive = true }, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                var paths: [String] = []
                for i in 0..<3 {
                    try client.send("GET /r\(i) HTTP/1.1\r\nHost: app.local\r\n\r\n")
                    let response = try client.readResponse()
                    paths.append(response.vars["PATH_INFO"] ?? "?")
                }
                return paths
            }
        }
        #expect(paths == ["/r0", "/r1", "/r2"])
    }

    @Test("a length-less response is chunked with auto-chunked and keeps the connection")
    func autoChunked() async throws {
        let node = try await FakeUwsgiNode.start(.noLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let kind = Self.options { $0.keepalive = true; $0.autoChunked = true }
        let (first, second) = try await RouterHarness.withRouter(kind, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET /one HTTP/1.1\r\nHost: app.local\r\n\r\n")
                let first = try client.readResponse()
                try client.send("GET /two HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return (first, try client.readResponse())
            }
        }
        #expect(first.header("transfer-encoding") == "chunked")
        #expect(first.vars["PATH_INFO"] == "/one")
        #expect(second.vars["PATH_INFO"] == "/two")
    }

    @Test("without auto-chunked a length-less response gets Connection: close")
    func connectionCloseInserted() async throws {
        let node = try await FakeUwsgiNode.start(.noLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (response, closed) = try await RouterHarness.withRouter(Self.options { $0.keepalive = true }, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET /x HTTP/1.1\r\nHost: app.local\r\n\r\n")
                let response = try client.readResponse()
                return (response, try client.isClosedByPeer())
            }
        }
        #expect(response.header("connection") == "close")
        #expect(response.vars["PATH_INFO"] == "/x")
        #expect(closed)
    }

    @Test("a POST body of 4 MB is streamed to the node intact")
    func postBody() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (body, expected) = await SeededBytes.body(count: 4_000_000, seed: 42)
        let response = try await RouterHarness.withRouter(Self.options(), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                // Only ends a broken run: 4 MB through a starved node can take a minute under a sanitizer.
                let client = try BlockingClient(port: port, timeoutSeconds: 60)
                try client.send("POST /upload HTTP/1.1\r\nHost: app.local\r\nContent-Length: \(body.count)\r\n\r\n")
                try client.send(body)
                return try client.readResponse()
            }
        }
        #expect(response.vars["CONTENT_LENGTH"] == "\(body.count)")
        #expect(response.vars["BODY"] == "\(body.count):\(expected)")
    }

    @Test("no route gives 503 with a body and Connection: close")
    func noRoute503() async throws {
        let response = try await RouterHarness.withRouter(Self.options(), nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: unknown.local\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 503)
        #expect(response.header("connection") == "close")
        #expect(!response.body.isEmpty)
    }

    @Test("a refused first node is retried on the next one")
    func retryNextNode() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let dead = try await RouterHarness.closedPort()
        let statuses = try await RouterHarness.withRouter(Self.options(), nodes: [dead, node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                try (0..<2).map { _ in
                    let client = try BlockingClient(port: port)
                    try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                    return try client.readResponse().status
                }
            }
        }
        #expect(statuses == [200, 200])
    }

    @Test("all nodes refusing gives 502")
    func allRefuse502() async throws {
        let dead1 = try await RouterHarness.closedPort()
        let dead2 = try await RouterHarness.closedPort()
        let response = try await RouterHarness.withRouter(Self.options(), nodes: [dead1, dead2]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 502)
    }

    @Test(
        "malformed heads give 400",
        arguments: [
            "GET /\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \(String(repeating: "h", count: 256))\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            Self.refusedHead,
            "GET / HTTP/1.1\r\n folded: value\r\n\r\n",
        ]
    )
    func malformed400(head: String) async throws {
        let response = try await RouterHarness.withRouter(Self.options(), nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(head)
                return try client.readResponse()
            }
        }
        #expect(response.status == 400)
    }

    @Test("a head over 64 KiB gives 431")
    func headTooLarge431() async throws {
        let response = try await RouterHarness.withRouter(Self.options(), nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 431)
    }

    @Test("a refused request with more input behind it still gets its answer, then a FIN rather than a reset")
    func answerSurvivesUnreadInput() async throws {
        // Half a megabyte behind the bad head: more than a read takes, so input is still unread
        // when the 400 is written. A router that closed then would reset the connection: the
        // send fails, or the 400 or the clean end is lost.
        let (response, closed) = try await RouterHarness.withRouter(Self.options(), nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                try BlockingClient(port: port).answerThenEnd(to: Self.refusedHead + String(repeating: "z", count: 512 * 1024))
            }
        }
        #expect(response.status == 400)
        #expect(closed)
    }

    @Test("a client that keeps its connection open after a refusing answer is closed at the linger deadline")
    func lingerEndsAtItsDeadline() async throws {
        let (status, closedByPeer, drained) = try await RouterHarness.withRouter(Self.options(), nodes: []) { port, listener, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                let (response, closedByPeer) = try client.answerThenEnd(to: Self.refusedHead)
                // The client neither closes nor sends: only the linger deadline ends the
                // connection. Polled every 10 ms, up to the deadline and 5 s (stretched).
                let seconds = (Double(LingeringClose.timeLimit.nanoseconds) / 1e9 + 5) * Double(Slowdown.factor)
                let clock = ContinuousClock()
                let end = clock.now + .milliseconds(Int(seconds * 1000))
                while listener.openConnections != 0, clock.now < end { usleep(10_000) }
                let drained = listener.openConnections == 0
                withExtendedLifetime(client) {}
                return (response.status, closedByPeer, drained)
            }
        }
        #expect(status == 400)
        #expect(closedByPeer, "the answer ends with a FIN while the router still reads")
        #expect(drained, "the lingering connection was closed at its deadline")
    }

    @Test("a head not finished within the headers timeout gives 408 and a close")
    func headersTimeout408() async throws {
        let kind = Self.options { $0.headersTimeout = .milliseconds(200) }
        let (response, closed) = try await RouterHarness.withRouter(kind, nodes: []) { port, _, _ in
            try await RouterHarness.blocking {
                try BlockingClient(port: port).answerThenEnd(to: "GET / HTTP/1.1\r\nHost: app")
            }
        }
        #expect(response.status == 408)
        #expect(closed)
    }

    @Test("a WebSocket upgrade relays bytes both ways")
    func webSocketPassthrough() async throws {
        let node = try await FakeUwsgiNode.start(.webSocketEcho, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (status, echoed) = try await RouterHarness.withRouter(Self.options { $0.websockets = true }, nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(
                    "GET /ws HTTP/1.1\r\nHost: app.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                )
                let response = try client.readResponse()
                try client.send("hello")
                let first = try client.read(count: 5)
                try client.send("again")
                let second = try client.read(count: 5)
                return (response.status, String(decoding: first + second, as: UTF8.self))
            }
        }
        #expect(status == 101)
        #expect(echoed == "HELLOAGAIN")
    }

    @Test("sessions are recorded with key, node and byte counts")
    func sessionsRecorded() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (clientPort, sessions) = try await RouterHarness.withRouter(Self.options(), nodes: [node.port]) { port, _, plane in
            let clientPort = try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: stats.local\r\n\r\n")
                _ = try client.readResponse()
                return client.localPort
            }
            return (clientPort, try await plane.sessions.snapshot())
        }
        let session = try #require(sessions.first { $0.key == "stats.local" })
        // host:port as uWSGI writes addresses, not NIO's `[IPv4]127.0.0.1/127.0.0.1:port`.
        #expect(clientPort > 0)
        #expect(session.client == "127.0.0.1:\(clientPort)")
        #expect(session.node == "127.0.0.1:\(node.port)")
        #expect(session.rx > 0)
        #expect(session.tx > 0)
        #expect(session.requests == 1)
    }
}

/// A deterministic byte generator (xorshift).
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt8 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }

    /// `count` bytes from `seed` and their checksum (each step multiplies by 31 and adds a
    /// byte), made on a thread of its own: millions of steps take a second in a debug build.
    static func body(count: Int, seed: UInt64) async -> (bytes: [UInt8], checksum: UInt64) {
        await OwnThread.compute("seeded bytes") { () -> (bytes: [UInt8], checksum: UInt64) in
            var generator = SeededBytes(seed: seed)
            let bytes = (0..<count).map { _ in generator.next() }
            return (bytes, bytes.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
        }
    }
}
