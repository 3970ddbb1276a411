import CNIOLinux
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RouterConfig
import RouterWire
import SocketSupport
import Testing
@testable import RouterRuntime

/// A sink that records datagrams and refuses those starting with "bad".
final class RecordingSink: SubscriptionSink {
    let stream: AsyncStream<SubscriptionDatagram>
    private let continuation: AsyncStream<SubscriptionDatagram>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: SubscriptionDatagram.self)
    }

    func receive(_ datagram: SubscriptionDatagram) throws {
        if datagram.bytes.readableBytesView.starts(with: Array("bad".utf8)) {
            throw WireError.missingField("key")
        }
        continuation.yield(datagram)
    }

    /// The next accepted datagram, within 5 s.
    func next() async throws -> SubscriptionDatagram {
        let stream = self.stream
        return try await withTimeout(5, "a subscription datagram") {
            var iterator = stream.makeAsyncIterator()
            guard let value = await iterator.next() else { throw TestTimeout(what: "a subscription datagram") }
            return value
        }
    }
}

@Suite("SubscriptionServer")
struct SubscriptionServerTests {
    @Test("datagrams reach the sink with the sender's address", arguments: ["127.0.0.1:0", "[::1]:0"])
    func inetDatagrams(listener: String) async throws {
        let sink = RecordingSink()
        let server = try await SubscriptionServer.bind(
            listeners: [try SocketAddressSpec(parsing: listener)], sink: sink, logger: quietLogger)
        let bound = server.boundAddresses[0]
        guard case .inet(_, let port) = bound.kind else { Issue.record("not inet: \(bound)"); return }
        #expect(port > 0)

        let sender = try SubscriptionSender(to: bound)
        try sender.send(Array("hello".utf8))
        let datagram = try await sink.next()
        #expect(Array(datagram.bytes.readableBytesView) == Array("hello".utf8))
        #expect(datagram.sender?.port ?? 0 > 0)
        #expect(datagram.listener == listener)
        // The counts of a batch are recorded once the sink has taken all of it; the reader has
        // finished its batch once the server is shut down.
        await server.shutdown()
        #expect(server.counters.snapshot.accepted == 1)
    }

    @Test("unix datagram socket: stale file replaced, datagram delivered, file removed on shutdown")
    func unixDatagrams() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        // A stale socket file from an earlier run must not stop the bind.
        try makeStaleSocketFile(at: path)
        #expect(isSocketFile(at: path))
        let sink = RecordingSink()
        let server = try await SubscriptionServer.bind(listeners: [try SocketAddressSpec(parsing: path)], sink: sink, logger: quietLogger)
        try SubscriptionSender(to: SocketAddressSpec(parsing: path)).send(Array("unix hello".utf8))
        let datagram = try await sink.next()
        #expect(String(buffer: datagram.bytes) == "unix hello")
        await server.shutdown()
        #expect(!isSocketFile(at: path))
    }

    @Test("abstract unix datagram socket (@name) receives with uWSGI's exact address length")
    func abstractDatagrams() async throws {
        let name = "@fleettop-test-\(UInt32.random(in: 0...UInt32.max))"
        let sink = RecordingSink()
        let logs = CapturedLogs()
        let server = try await SubscriptionServer.bind(listeners: [try SocketAddressSpec(parsing: name)], sink: sink, logger: logs.logger())
        try SubscriptionSender(to: SocketAddressSpec(parsing: name)).send(Array("abstract".utf8))
        #expect(String(buffer: try await sink.next().bytes) == "abstract")
        await server.shutdown()
    }

    @Test("an oversize datagram is rejected and logged; the next good one still arrives")
    func oversizeThenGood() async throws {
        let logs = CapturedLogs()
        let sink = RecordingSink()
        let server = try await SubscriptionServer.bind(
            listeners: [try SocketAddressSpec(parsing: "127.0.0.1:0")], sink: sink, logger: logs.logger())
        let sender = try SubscriptionSender(to: server.boundAddresses[0])
        try sender.send([UInt8](repeating: 0x41, count: 5000))
        try sender.send([UInt8](repeating: 0x42, count: 4096))
        let good = try await sink.next()
        #expect(good.bytes.readableBytes == 4096)
        await server.shutdown()
        let counts = server.counters.snapshot
        #expect(counts.received == 2)
        #expect(counts.rejected == 1)
        #expect(counts.oversize == 1)
        #expect(counts.accepted == 1)
        let warning = logs.records.first { $0.message == "ignored bad subscription datagram" }
        #expect(warning?.metadata["error"]?.contains("exceeds 4096") == true)
        #expect(warning?.metadata["sender"]?.contains("127.0.0.1") == true)
    }

    @Test("a datagram the sink refuses is counted, logged with the WireError, and serving goes on")
    func sinkRefusal() async throws {
        let logs = CapturedLogs()
        let sink = RecordingSink()
        let server = try await SubscriptionServer.bind(
            listeners: [try SocketAddressSpec(parsing: "127.0.0.1:0")], sink: sink,
            logger: logs.logger(), logLimit: LogRateLimiter(burst: 2, interval: .seconds(3600)))
        let sender = try SubscriptionSender(to: server.boundAddresses[0])
        for _ in 0..<5 { try sender.send(Array("bad packet".utf8)) }
        try sender.send(Array("good".utf8))
        #expect(String(buffer: try await sink.next().bytes) == "good")
        await server.shutdown()
        #expect(server.counters.snapshot.rejected == 5)
        let warnings = logs.records.filter { $0.message == "ignored bad subscription datagram" }
        #expect(warnings.count == 2) // rate-limited
        #expect(warnings.first?.metadata["error"] == "\(WireError.missingField("key"))")
    }

    @Test("a regular file where the unix socket should go is refused, not deleted")
    func regularFileRefused() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/precious"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        await #expect(throws: RuntimeError.notASocket(path: path)) {
            _ = try await SubscriptionServer.bind(listeners: [try SocketAddressSpec(parsing: path)], sink: RecordingSink(), logger: quietLogger)
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test("a port already in use fails bind with an error naming the address")
    func bindFailureNamesAddress() async throws {
        let first = try await SubscriptionServer.bind(listeners: [try SocketAddressSpec(parsing: "127.0.0.1:0")], sink: RecordingSink(), logger: quietLogger)
        let taken = first.boundAddresses[0]
        // SO_REUSEADDR lets UDP share a port on Linux only with SO_REUSEPORT, so a second bind fails.
        await #expect(throws: RuntimeError.self) {
            _ = try await SubscriptionServer.bind(listeners: [taken], sink: RecordingSink(), logger: quietLogger)
        }
        await first.shutdown()
    }

    @Test("a failed bind closes the socket it opened")
    func bindFailureClosesItsSocket() async throws {
        let first = try await SubscriptionServer.bind(listeners: [try SocketAddressSpec(parsing: "127.0.0.1:0")], sink: RecordingSink(), logger: quietLogger)
        let taken = first.boundAddresses[0]
        let before = Self.unboundUDPSockets()
        for _ in 0..<20 {
            await #expect(throws: RuntimeError.self) {
                _ = try await SubscriptionServer.bind(listeners: [taken], sink: RecordingSink(), logger: quietLogger)
            }
        }
        // A leaked socket stays open and unbound, so 20 failures leave 20 more; other tests may
        // hold a few unbound for a moment (a sender before its first datagram), never 10.
        let after = Self.unboundUDPSockets()
        #expect(after - before < 10, "\(after - before) sockets left open by 20 failed binds")
        await first.shutdown()
    }

    /// This process's IPv4 UDP sockets bound to no port.
    static func unboundUDPSockets() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap(Int32.init).filter { fd in
            var value: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length) == 0, value == SocketPrimitives.datagramType else { return false }
            length = socklen_t(MemoryLayout<CInt>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &length) == 0, value == AF_INET else { return false }
            var address = sockaddr_in()
            var size = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
            }
            return named == 0 && address.sin_port == 0
        }.count
    }
}
