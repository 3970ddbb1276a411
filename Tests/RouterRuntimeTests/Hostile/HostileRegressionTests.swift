import DataPlaneTesting
import Foundation
import NIOCore
import NIOPosix
import RouterConfig
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing
@testable import RouterRuntime
import Synchronization

/// One regression test per hostile input that used to crash or hang a router.
@Suite("Hostile input regressions", .everyTransport)
struct HostileRegressionTests {
    static func fastPacket(_ vars: [(String, String)]) -> [UInt8] {
        StreamRouterTests.packet(vars, modifier1: 0, modifier2: 0)
    }

    @Test("a fast-router CONTENT_LENGTH of Int.max closes that client with a log line; the router still serves",
          arguments: ["9223372036854775807", "99999999999999999999999", "-1", "12a"])
    func hugeContentLength(value: String) async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let bad = Self.fastPacket([("REQUEST_METHOD", "GET"), ("HTTP_HOST", "k"), ("CONTENT_LENGTH", value)])
        let good = Self.fastPacket([("REQUEST_METHOD", "GET"), ("HTTP_HOST", "k"), ("PATH_INFO", "/ok")])
        let (closed, status) = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port, timeoutSeconds: 10)
                try client.send(bad)
                let closed = try client.isClosedByPeer()
                let second = try BlockingClient(port: port, timeoutSeconds: 10)
                try second.send(good)
                return (closed, try second.readResponse().status)
            }
        }
        #expect(closed)
        #expect(status == 200)
        #expect(node.requests.load(ordering: .relaxed) == 1)
    }

    @Test("an 18-digit CONTENT_LENGTH is a valid (unreplayable) request and is forwarded")
    func largestContentLength() async throws {
        let node = try await FakeUwsgiNode.start(.rawEcho, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let packet = Self.fastPacket([("REQUEST_METHOD", "GET"), ("HTTP_HOST", "k"), ("CONTENT_LENGTH", "999999999999999999")])
        let echoed = try await RouterHarness.withRouter(.fast(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port, timeoutSeconds: 10)
                try client.send(packet)
                let echo = try client.read(count: packet.count)
                client.shutdownWrite()
                _ = try client.readToEnd()
                return echo
            }
        }
        #expect(Array(echoed.dropFirst(4)) == Array(packet.dropFirst(4)), "the vars reach the node unchanged")
    }

    @Test("a fast-router client trickling its first packet is closed at the packet deadline, not kept alive by reads")
    func trickledFirstPacket() async throws {
        var options = StreamRouterOptions()
        options.packetTimeout = .milliseconds(300)
        // Long enough that the trickle below never reaches its end, and under the 4 KiB packet
        // buffer so its header alone is no reason to close.
        let packet = Self.fastPacket([("HTTP_HOST", "k"), ("PATH_INFO", String(repeating: "x", count: 2000))])
        // Fifty deadlines (scaled under a sanitizer): the router must cut the client off inside
        // this window. Had each read re-armed the timer, the trickle would run to its end, about
        // 40 s at one byte per 20 ms. Ten deadlines (3 s) were exceeded twice on the NIO
        // transport in loaded full runs, whose shared event loops ran the timer late.
        let window = 15.0 * Double(Slowdown.factor)
        let (cutOff, closed, seconds) = try await RouterHarness.withRouter(.fast(options), nodes: [1]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port, timeoutSeconds: 5)
                let start = Date()
                var sent = 0
                var cutOff = false
                // One byte every 20 ms: far from a complete packet when the window ends.
                while Date().timeIntervalSince(start) < window, sent < packet.count - 1 {
                    do { try client.send([packet[sent]]) } catch { cutOff = true; break }
                    sent += 1
                    usleep(20_000)
                }
                return (cutOff, client.waitClosedOrReset(), Date().timeIntervalSince(start))
            }
        }
        #expect(cutOff, "the router closed the client while it was still trickling (after \(seconds) s)")
        #expect(closed)
        #expect(seconds < window)
    }

    @Test("a data-plane listener over its connection cap closes the next client at once and counts it")
    func dataPlaneCap() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plane = DataPlane(policy: StaticNodesPolicy(nodes: [try NodeEndpoint(resolving: "127.0.0.1:1")]),
                              sessions: SessionTable(group: group), logger: RouterHarness.quietLogger)
        let listener = try await ClientListener.bind(
            name: "127.0.0.1:0", kind: .fast(StreamRouterOptions()), group: group, plane: plane, limit: ConnectionLimit(maximum: 2))
        let port = listener.localAddress?.port ?? 0
        let refusedAtOnce = try await RouterHarness.blocking {
            let held = [try BlockingClient(port: port, timeoutSeconds: 10), try BlockingClient(port: port, timeoutSeconds: 10)]
            let third = try BlockingClient(port: port, timeoutSeconds: 10)
            let closed = try third.isClosedByPeer()
            _ = held
            return closed
        }
        #expect(refusedAtOnce)
        #expect(listener.limit.refused == 1)
        await listener.stop(grace: .milliseconds(10))
        try await group.shutdownGracefully()
    }

    @Test("the connection caps have documented defaults and options, and refusals reach stats and /metrics")
    func capOptions() async throws {
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-max-connections", "7", "--stats-max-connections", "3",
            "--admin-max-connections", "5", "--admin-request-timeout", "2", "--admin-idle-timeout", "9",
        ]) { _ in "" }
        #expect(configuration.router(.fastrouter)?.maxConnections == 7)
        #expect(configuration.statsMaxConnections == 3)
        #expect(configuration.adminMaxConnections == 5)
        #expect(configuration.adminRequestTimeout == 2)
        #expect(configuration.adminIdleTimeout == 9)
        #expect(RouterConfiguration().statsMaxConnections == ConnectionLimit.defaultStats)
        #expect(RouterSpec(kind: .http).maxConnections == ConnectionLimit.defaultDataPlane)
        let help = RouterConfiguration.helpText()
        for option in ["--http-max-connections", "--stats-max-connections", "--admin-max-connections", "--state-file-discard-corrupt"] {
            #expect(help.contains(option), "\(option) in --help")
        }
        #expect(throws: (any Error).self) {
            _ = try RouterConfiguration.parse(arguments: ["--http", ":0", "--http-max-connections", "0"]) { _ in "" }
        }
    }

    @Test("a document with refused_connections round-trips through both decoders")
    func refusedInStats() throws {
        var document = StatsDocument(version: "v", pid: 1, cwd: "/", activeSessions: 0)
        document.refusedConnections = 42
        let bytes = document.encodeJSON(style: .compact)
        #expect(try StatsDocument.decode(strict: bytes).refusedConnections == 42)
        #expect(try StatsDocument.decode(lenient: bytes).refusedConnections == 42)
    }
}
