import DataPlaneTesting
import NIOCore
import Testing
@testable import RouterRuntime
import Synchronization

@Suite("Fast and raw routers over loopback", .everyTransport)
struct StreamRouterTests {
    static func packet(_ vars: [(String, String)], modifier1: UInt8, modifier2: UInt8) -> [UInt8] {
        var block: [UInt8] = []
        for (k, v) in vars {
            block += [UInt8(k.utf8.count & 0xFF), UInt8(k.utf8.count >> 8)] + Array(k.utf8)
            block += [UInt8(v.utf8.count & 0xFF), UInt8(v.utf8.count >> 8)] + Array(v.utf8)
        }
        return [modifier1, UInt8(block.count & 0xFF), UInt8(block.count >> 8), modifier2] + block
    }

    @Test("the fast router forwards the packet with the node's modifiers and the key from UWSGI_FASTROUTER_KEY")
    func fastRouterForwards() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let bytes = Self.packet(
            [("SERVER_NAME", "ignored"), ("UWSGI_FASTROUTER_KEY", "forced.key"), ("HTTP_HOST", "host.key"), ("PATH_INFO", "/f")],
            modifier1: 101, modifier2: 7
        )
        let (response, sessions) = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [node.port]) { port, _, plane in
            let response = try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(bytes)
                return try client.readResponse()
            }
            return (response, try await plane.sessions.snapshot())
        }
        #expect(response.status == 200)
        #expect(response.vars["MOD"] == "0,0")
        #expect(response.vars["PATH_INFO"] == "/f")
        #expect(response.vars["HTTP_HOST"] == "host.key")
        #expect(sessions.contains { $0.key == "forced.key" })
    }

    @Test("a fastrouter packet with a broken var block is closed without a connect")
    func fastRouterInvalid() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let closed = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send([0, 5, 0, 0, 0, 0, 1, 0, 65])
                return try client.isClosedByPeer()
            }
        }
        #expect(closed)
        #expect(node.requests.load(ordering: .relaxed) == 0)
    }

    @Test("the raw router relays with half-close: the client shuts its write side and still gets the reply")
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

    @Test("the raw router's key is the listener name as configured")
    func rawKeyIsListenerName() async throws {
        let node = try await FakeUwsgiNode.start(.rawEcho, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (clientPort, sessions) = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, plane in
            let clientPort = try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                client.shutdownWrite()
                _ = try client.readToEnd()
                return client.localPort
            }
            return (clientPort, try await plane.sessions.snapshot())
        }
        #expect(sessions.first?.key == "127.0.0.1:0")
        #expect(clientPort > 0)
        #expect(sessions.first?.client == "127.0.0.1:\(clientPort)", "the client as host:port")
    }
}
