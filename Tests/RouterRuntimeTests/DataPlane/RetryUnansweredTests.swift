import DataPlaneTesting
import NIOCore
import Testing
@testable import RouterRuntime
import Synchronization

/// A node that closes after reading a request but before answering is retried on the next node
/// (beyond uWSGI, which never retries after connect); one that answered anything is not.
@Suite("Retry of requests a node closed without answering", .everyTransport)
struct RetryUnansweredTests {
    @Test("HTTP: a node that reads the packet and closes unanswered is retried on the next node", arguments: [0, 2000])
    func httpRetried(bodySize: Int) async throws {
        let silent = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        let good = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await silent.stop(); await good.stop() } }
        let body = String(repeating: "b", count: bodySize)
        let response = try await RouterHarness.withRouter(HTTPRouterTests.options(), nodes: [silent.port, good.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("PUT /r HTTP/1.1\r\nHost: app.local\r\nContent-Length: \(bodySize)\r\n\r\n")
                // The body in a later write, so it is sent after the packet and kept separately.
                if bodySize > 0 { try client.send(body) }
                return try client.readResponse()
            }
        }
        #expect(silent.requests.load(ordering: .relaxed) == 1)
        #expect(good.requests.load(ordering: .relaxed) == 1)
        #expect(response.status == 200)
        #expect(response.vars["PATH_INFO"] == "/r")
        #expect(response.vars["BODY"]?.hasPrefix("\(bodySize):") == true)
    }

    @Test("HTTP: a body over the replay limit is streamed unkept and not retried: 502")
    func httpLargeBodyNotRetried() async throws {
        let silent = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        let good = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await silent.stop(); await good.stop() } }
        let size = DataPlane.replayLimit + 1
        let response = try await RouterHarness.withRouter(HTTPRouterTests.options(), nodes: [silent.port, good.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("PUT / HTTP/1.1\r\nHost: app.local\r\nContent-Length: \(size)\r\n\r\n")
                try client.send([UInt8](repeating: 0x61, count: size))
                return try client.readResponse()
            }
        }
        #expect(response.status == 502)
        #expect(good.requests.load(ordering: .relaxed) == 0)
    }

    @Test("HTTP: a POST the node took and died on is not sent again (it may have acted on it): 502")
    func httpPostNotReplayed() async throws {
        let silent = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        let good = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await silent.stop(); await good.stop() } }
        let response = try await RouterHarness.withRouter(HTTPRouterTests.options(), nodes: [silent.port, good.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("POST /order HTTP/1.1\r\nHost: app.local\r\nContent-Length: 2\r\n\r\nok")
                return try client.readResponse()
            }
        }
        #expect(silent.requests.load(ordering: .relaxed) == 1)
        #expect(good.requests.load(ordering: .relaxed) == 0)
        #expect(response.status == 502)
    }

    @Test("HTTP: a node that sent part of a response and died is not retried")
    func httpPartialNotRetried() async throws {
        let partial = try await FakeUwsgiNode.start(.partialThenClose, group: RouterHarness.group)
        let good = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await partial.stop(); await good.stop() } }
        let received = try await RouterHarness.withRouter(HTTPRouterTests.options(), nodes: [partial.port, good.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return String(decoding: try client.readToEnd(), as: UTF8.self)
            }
        }
        // The client gets exactly what the node sent, then the close; nothing reaches the next node.
        #expect(received == "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        #expect(good.requests.load(ordering: .relaxed) == 0)
    }

    @Test("HTTP: every node closing unanswered exhausts the retries: 502")
    func httpAllSilent502() async throws {
        let first = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        let second = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        defer { Task { await first.stop(); await second.stop() } }
        let response = try await RouterHarness.withRouter(HTTPRouterTests.options(), nodes: [first.port, second.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 502)
        // Each node is tried once; a failed one is skipped for the gracetime, so none is left.
        #expect(first.requests.load(ordering: .relaxed) == 1)
        #expect(second.requests.load(ordering: .relaxed) == 1)
    }

    @Test("fast router: a node that closes unanswered is retried with the whole packet and body")
    func fastRetried() async throws {
        let silent = try await FakeUwsgiNode.start(.closeUnanswered, group: RouterHarness.group)
        let good = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await silent.stop(); await good.stop() } }
        let bytes = StreamRouterTests.packet(
            [("REQUEST_METHOD", "PUT"), ("HTTP_HOST", "app.local"), ("PATH_INFO", "/f"), ("CONTENT_LENGTH", "5")], modifier1: 0, modifier2: 0
        )
        let response = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [silent.port, good.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(bytes)
                try client.send("hello")
                return try client.readResponse()
            }
        }
        #expect(silent.requests.load(ordering: .relaxed) == 1)
        #expect(response.status == 200)
        #expect(response.vars["PATH_INFO"] == "/f")
        #expect(response.vars["BODY"]?.hasPrefix("5:") == true)
    }
}
