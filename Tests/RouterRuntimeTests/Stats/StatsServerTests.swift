import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import RouterRuntime

/// A source serving fixed bytes (with a quote and a non-ASCII key, as a real document might).
struct FixedStats: StatsSource {
    static let document = #"{"version":"2.0.21","key":"app \"local\" ✓","nodes":[]}"#
    func encodedStats() async throws -> ByteBuffer { ByteBuffer(string: Self.document) }
}

@Suite("StatsServer")
struct StatsServerTests {
    /// A socket timeout that only ends a test that already failed: the 4 s default can pass
    /// on a loaded machine before the stats task or the client's request even runs.
    static let generous = TimeAmount.seconds(60)

    @Test("raw mode writes exactly the source's bytes, then EOF", arguments: ["127.0.0.1:0", "[::1]:0"])
    func rawInet(listener: String) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await StatsServer.bind(.init(listener: try SocketAddressSpec(parsing: listener), socketTimeout: Self.generous), source: FixedStats(), group: group, logger: quietLogger)
        let result = try await TestClient.exchange(server.listener.boundAddress, group: group)
        #expect(result.sawEOF)
        #expect(result.bytes == Array(FixedStats.document.utf8))
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("raw mode on a unix path and on an abstract socket", arguments: ["unix", "abstract"])
    func rawUnix(kind: String) async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let text = kind == "unix" ? "\(dir)/stats.sock" : "@fleettop-stats-\(UInt32.random(in: 0...UInt32.max))"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await StatsServer.bind(.init(listener: try SocketAddressSpec(parsing: text), socketTimeout: Self.generous), source: FixedStats(), group: group, logger: quietLogger)
        let result = try await TestClient.exchange(server.listener.boundAddress, group: group)
        #expect(result.sawEOF)
        #expect(result.text == FixedStats.document)
        await server.shutdown()
        if kind == "unix" { #expect(!isSocketFile(at: text)) }
        try await group.shutdownGracefully()
    }

    @Test("--stats-http answers a request head at once with a Content-Length response")
    func httpMode() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await StatsServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"), http: true, socketTimeout: Self.generous), source: FixedStats(), group: group, logger: quietLogger)
        // Keep-alive is asked for; the server must still answer and close.
        let result = try await TestClient.exchange(
            server.listener.boundAddress, group: group, request: "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        #expect(result.sawEOF)
        let parts = result.text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2)
        let head = parts[0].components(separatedBy: "\r\n")
        #expect(head.first == "HTTP/1.1 200 OK")
        #expect(head.contains("Content-Type: application/json"))
        #expect(head.contains("Content-Length: \(FixedStats.document.utf8.count)"))
        #expect(head.contains("Connection: close"))
        #expect(head.contains("Access-Control-Allow-Origin: *"))
        #expect(parts.last == FixedStats.document)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("an idle --stats-http client does not delay a second client on the same event loop")
    func idleClientDoesNotBlock() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await StatsServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"), http: true, socketTimeout: .seconds(30)),
            source: FixedStats(), group: group, logger: quietLogger)
        let idle = try await TestClient.connect(server.listener.boundAddress, group: group, timeout: .seconds(30))
        try await idle.send("GET / HT") // a head that never completes
        // The idle client holds its connection for up to 30 s; the second client must be
        // answered while it still does (uWSGI would stall here until the idle one times out).
        let second = try await TestClient.exchange(
            server.listener.boundAddress, group: group, request: "GET / HTTP/1.0\r\n\r\n", timeout: .seconds(20))
        #expect(second.sawEOF)
        #expect(second.text.hasSuffix(FixedStats.document))
        #expect(idle.isOpen) // the idle client really was still waiting meanwhile
        await server.shutdown()
        let idleResult = try await idle.result()
        #expect(idleResult.sawEOF && idleResult.bytes.isEmpty) // shutdown closed it without an answer
        try await group.shutdownGracefully()
    }

    @Test("an idle --stats-http client is dropped after the socket timeout")
    func idleClientDropped() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await StatsServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"), http: true, socketTimeout: .milliseconds(200)),
            source: FixedStats(), group: group, logger: quietLogger)
        let idle = try await TestClient.connect(server.listener.boundAddress, group: group, timeout: .seconds(10))
        let result = try await idle.result()
        #expect(result.sawEOF) // closed by the server's deadline, not the client's 10 s one
        #expect(result.bytes.isEmpty)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a document that takes longer than the socket timeout to produce is still served whole", arguments: [false, true])
    func slowProductionServed(http: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Producing takes three socket timeouts (a starved encoder on a loaded machine); the
        // peer asked at once, so it must get the document, not a close at the socket timeout.
        let socketTimeout = TimeAmount.milliseconds(200)
        let server = try await StatsServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"), http: http, socketTimeout: socketTimeout,
                  productionTimeout: Self.generous),
            source: SlowStats(delay: .milliseconds(600)), group: group, logger: quietLogger)
        let result = try await TestClient.exchange(
            server.listener.boundAddress, group: group, request: http ? "GET / HTTP/1.0\r\n\r\n" : nil, timeout: .seconds(90))
        #expect(result.sawEOF)
        #expect(result.text.hasSuffix(FixedStats.document))
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a document never produced: the connection is closed at the production timeout")
    func productionTimeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let source = StuckStats()
        let server = try await StatsServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0"), socketTimeout: .milliseconds(200),
                  productionTimeout: .milliseconds(300)),
            source: source, group: group, logger: quietLogger)
        let result = try await TestClient.exchange(server.listener.boundAddress, group: group, timeout: .seconds(20))
        #expect(result.sawEOF) // the server's production deadline, not the client's 20 s
        #expect(result.bytes.isEmpty)
        // The producing task was cancelled with the connection, not left waiting for release.
        for _ in 0..<6_000 where !source.ended.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(10)) }
        let ended = source.ended.load(ordering: .acquiring)
        #expect(ended, "the stuck production ended when the connection closed")
        source.release()
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}

/// A source that takes `delay` to produce `FixedStats.document`.
struct SlowStats: StatsSource {
    let delay: Duration
    func encodedStats() async throws -> ByteBuffer {
        try await Task.sleep(for: delay)
        return ByteBuffer(string: FixedStats.document)
    }
}

/// A source that produces nothing until released (one connection at a time).
final class StuckStats: StatsSource {
    private let gate = AsyncStream<Never>.makeStream()
    /// Set when `encodedStats` returns (released, or its task cancelled).
    let ended = Atomic<Bool>(false)

    func encodedStats() async throws -> ByteBuffer {
        for await _ in gate.stream {}
        ended.store(true, ordering: .releasing)
        return ByteBuffer(string: FixedStats.document)
    }

    /// Lets the pending `encodedStats` finish.
    func release() { gate.continuation.finish() }
}

import Foundation
