import DataPlaneTesting
import Foundation
import RouterCoreTesting
import NIOCore
import Synchronization
import Testing
@testable import RouterRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The bytes a raw relay test sends: position `i` holds `i % 251`, so a lost, repeated or
/// reordered chunk (pipes and reads move 64 KiB, not a multiple of 251) shows at once.
enum RawPattern {
    static let period = 251
    /// One period more than the largest chunk, so any chunk is one slice of it.
    static let bytes: [UInt8] = (0..<(period * 262 + 65536)).map { UInt8($0 % period) }

    /// Whether `chunk`, received at stream position `position`, is the pattern.
    static func matches(_ chunk: UnsafeRawBufferPointer, at position: Int) -> Bool {
        bytes.withUnsafeBytes { pattern in
            memcmp(pattern.baseAddress! + position % period, chunk.baseAddress!, chunk.count) == 0
        }
    }
}

/// A blocking loopback TCP socket with 30 s send and receive timeouts: a raw relay test's
/// client or node end. Sends never raise SIGPIPE.
final class StreamPeer: @unchecked Sendable {
    enum Failure: Error, Equatable { case connect(Int32), send(Int32), receive(Int32), mismatch(at: Int), shortBy(Int) }

    let fd: Int32
    private var closed = false

    init(fd: Int32) {
        self.fd = fd
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { if !closed { Glibc.close(fd) } }

    /// A client connected to 127.0.0.1:`port`.
    static func connect(port: Int) throws -> StreamPeer {
        let peer = StreamPeer(fd: socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let rc = address.withSockAddr { Glibc.connect(peer.fd, $0, socklen_t($1)) }
        guard rc == 0 else { throw Failure.connect(errno) }
        return peer
    }

    /// Sends `count` pattern bytes.
    func sendPattern(_ count: Int) throws {
        var position = 0
        while position < count {
            let chunk = min(65536, count - position)
            let sent = RawPattern.bytes.withUnsafeBytes { pattern in
                Glibc.send(fd, pattern.baseAddress! + position % RawPattern.period, chunk, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure.send(errno) }
            position += sent
        }
    }

    /// Reads until the peer's end (or up to `limit` bytes), checking every byte against the
    /// pattern; the count read.
    func receivePattern(limit: Int = .max) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var position = 0
        while position < limit {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, limit - position), 0) }
            if got == 0 { break }
            guard got > 0 else { throw Failure.receive(errno) }
            let ok = buffer.withUnsafeBytes { RawPattern.matches(UnsafeRawBufferPointer(rebasing: $0[0..<got]), at: position) }
            guard ok else { throw Failure.mismatch(at: position) }
            position += got
        }
        return position
    }

    /// Reads exactly `count` pattern bytes.
    func receivePattern(exactly count: Int) throws {
        let got = try receivePattern(limit: count)
        guard got == count else { throw Failure.shortBy(count - got) }
    }

    /// Reads until the peer's end or reset: true, or false when the receive timeout passed.
    func awaitEnd() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got == 0 { return true }
            if got < 0 { return errno == ECONNRESET || errno == EPIPE }
        }
    }

    func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with a reset (`SO_LINGER` 0).
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        closed = true
        Glibc.close(fd)
    }
}

/// A loopback node on its own threads: each accepted connection runs `serve` with its index;
/// what `serve` returns or throws is kept in `results`, in order of completion.
final class ThreadedStreamNode: @unchecked Sendable {
    let port: Int
    let results = Mutex<[Int: Result<Int, any Error>]>([:])
    private let stopped = Atomic<Bool>(false)

    init(serve: @escaping @Sendable (StreamPeer, Int) throws -> Int) throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        _ = address.withSockAddr { Glibc.bind(listening, $0, socklen_t($1)) }
        Glibc.listen(listening, 16)
        // A sockaddr_in read as bytes: family (2), then the port in network order.
        var bytes = [UInt8](repeating: 0, count: 128)
        var length = socklen_t(bytes.count)
        let rc = bytes.withUnsafeMutableBytes { getsockname(listening, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length) }
        port = rc == 0 ? Int(bytes[2]) << 8 | Int(bytes[3]) : 0
        let thread = Thread { [self] in
            var index = 0
            while !stopped.load(ordering: .relaxed) {
                var poller = pollfd(fd: listening, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let fd = accept(listening, nil, nil)
                guard fd >= 0 else { continue }
                let peer = StreamPeer(fd: fd)
                let current = index
                index += 1
                Thread { [self] in
                    let result = Result { try serve(peer, current) }
                    results.withLock { $0[current] = result }
                }.start()
            }
            Glibc.close(listening)
        }
        thread.start()
    }

    /// The result of connection `index`, waited for up to `seconds`.
    func result(_ index: Int, within seconds: Double = 30 * Double(Slowdown.factor)) async -> Result<Int, any Error>? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let result = results.withLock({ $0[index] }) { return result }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}

@Suite("Raw router relays of large transfers, half-closes and resets", .everyTransport)
struct RawSpliceTests {
    static let large = 8 << 20

    /// The node's side of the session after a reset: 1,000 bytes and its end, then the
    /// client's bytes until the client's end.
    static func serveAfterReset(_ peer: StreamPeer) throws -> Int {
        try peer.sendPattern(1000)
        peer.shutdownWrite()
        return try peer.receivePattern()
    }

    /// The client's side of the session after a reset: what the node sent, then its end.
    static func sessionAfterReset(port: Int) throws -> Int {
        let next = try StreamPeer.connect(port: port)
        let got = try next.receivePattern()
        next.shutdownWrite()
        return got
    }

    @Test("8 MiB each way at once reach the other side byte for byte, and the session counts them")
    func largeBothWays() async throws {
        // The node echoes what it reads, then ends its output after the client's end.
        let node = try ThreadedStreamNode { peer, _ in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var total = 0
            while true {
                let got = buffer.withUnsafeMutableBytes { recv(peer.fd, $0.baseAddress, $0.count, 0) }
                if got == 0 { break }
                guard got > 0 else { throw StreamPeer.Failure.receive(errno) }
                var sent = 0
                while sent < got {
                    let n = buffer.withUnsafeBytes { Glibc.send(peer.fd, $0.baseAddress! + sent, got - sent, Int32(MSG_NOSIGNAL)) }
                    guard n > 0 else { throw StreamPeer.Failure.send(errno) }
                    sent += n
                }
                total += got
            }
            peer.shutdownWrite()
            return total
        }
        defer { node.stop() }
        let (echoed, counted, ended) = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, plane in
            let client = try StreamPeer.connect(port: port)
            async let sending: Void = RouterHarness.blocking { try client.sendPattern(Self.large) }
            try await RouterHarness.blocking { try client.receivePattern(exactly: Self.large) }
            try await sending
            // Everything arrived both ways; the session is still open.
            let sessions = try await plane.sessions.snapshot()
            client.shutdownWrite()
            let rest = try await RouterHarness.blocking { try client.receivePattern() }
            return (Self.large + rest, sessions.map { [$0.rx, $0.tx] }, rest == 0)
        }
        #expect(echoed == Self.large)
        #expect(ended)
        #expect(counted == [[UInt64(Self.large), UInt64(Self.large)]])
        let served = await node.result(0)
        #expect(try served?.get() == Self.large, "the node's session: \(String(describing: served))")
    }

    @Test("half-closes both ways: the node ends first, then the client still sends and ends")
    func halfCloseNodeFirst() async throws {
        let node = try ThreadedStreamNode { peer, _ in
            try peer.sendPattern(Self.large / 2)
            peer.shutdownWrite()
            return try peer.receivePattern()
        }
        defer { node.stop() }
        let (received, served) = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            let received = try await RouterHarness.blocking {
                let client = try StreamPeer.connect(port: port)
                let got = try client.receivePattern()
                try client.sendPattern(Self.large / 4)
                client.shutdownWrite()
                return client.awaitEnd() ? got : -1
            }
            // The client's end comes when its last bytes are on their way to the node, not
            // when the node has them: the router must still be running while they arrive.
            return (received, await node.result(0))
        }
        #expect(received == Self.large / 2)
        #expect(try served?.get() == Self.large / 4, "the node's session: \(String(describing: served))")
    }

    @Test("half-closes both ways: the client ends first and still gets the whole answer")
    func halfCloseClientFirst() async throws {
        let node = try ThreadedStreamNode { peer, _ in
            let got = try peer.receivePattern()
            try peer.sendPattern(Self.large)
            peer.shutdownWrite()
            return got
        }
        defer { node.stop() }
        let received = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try StreamPeer.connect(port: port)
                try client.sendPattern(Self.large / 2)
                client.shutdownWrite()
                return try client.receivePattern()
            }
        }
        #expect(received == Self.large)
        let served = await node.result(0)
        #expect(try served?.get() == Self.large / 2, "the node's session: \(String(describing: served))")
    }

    @Test("a node reset in the middle of an upload ends the client; the router goes on relaying")
    func nodeResetMidUpload() async throws {
        let node = try ThreadedStreamNode { peer, index in
            if index == 0 {
                try peer.receivePattern(exactly: 1 << 20)
                peer.reset()
                return 0
            }
            return try RawSpliceTests.serveAfterReset(peer)
        }
        defer { node.stop() }
        let (uploadFailed, second) = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try StreamPeer.connect(port: port)
                // 64 MiB cannot all fit in socket and pipe buffers: the send fails once the
                // router has closed the client.
                let failed = (try? client.sendPattern(64 << 20)) == nil
                let got = try RawSpliceTests.sessionAfterReset(port: port)
                return (failed, got)
            }
        }
        #expect(uploadFailed)
        #expect(second == 1000)
    }

    @Test("a client reset in the middle of an upload ends the node's connection")
    func clientResetMidUpload() async throws {
        let node = try ThreadedStreamNode { peer, _ in
            try peer.receivePattern()
        }
        defer { node.stop() }
        let received = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try StreamPeer.connect(port: port)
                try client.sendPattern(Self.large / 4)
                client.reset()
            }
            return await node.result(0)
        }
        // The node saw an end (or a reset) within the deadline, never more than was sent.
        switch received {
        case .success(let count)?: #expect(count <= Self.large / 4)
        case .failure(let error)?: #expect(error as? StreamPeer.Failure == .receive(ECONNRESET))
        case nil: Issue.record("the node's connection did not end within 30 s")
        }
    }
}

/// On the lean transports only: on NIO the session after the reset once got its node's end
/// without the node's 1,000 bytes (1 run in 2), which is not the splice's to fix.
@Suite("Raw router relays after a node reset", .everyLeanTransport)
struct RawSpliceResetTests {
    static let large = RawSpliceTests.large

    @Test("a node reset in the middle of a download ends the client; the router goes on relaying")
    func nodeResetMidDownload() async throws {
        let node = try ThreadedStreamNode { peer, index in
            if index == 0 {
                try peer.sendPattern(Self.large / 2)
                peer.reset()
                return 0
            }
            return try RawSpliceTests.serveAfterReset(peer)
        }
        defer { node.stop() }
        let (first, second) = try await RouterHarness.withRouter(.raw(StreamRouterOptions()), nodes: [node.port]) { port, _, _ in
            try await RouterHarness.blocking {
                let client = try StreamPeer.connect(port: port)
                // What the node had sent but not yet handed over is lost with its reset.
                let first = Result { try client.receivePattern() }
                let got = try RawSpliceTests.sessionAfterReset(port: port)
                return (first, got)
            }
        }
        // The client's connection ended (closed or reset), not timed out, without a wrong byte.
        switch first {
        case .success(let count): #expect(count <= Self.large / 2)
        case .failure(let error): #expect(error as? StreamPeer.Failure == .receive(ECONNRESET))
        }
        #expect(second == 1000)
    }
}

@Suite("Raw router splice on the lean loops", .everyLeanTransport)
struct RawSpliceLeanLoopTests {
    @Test("a raw session on a lean loop is spliced: its two pipes are back in the loop's pool once it ends")
    func pipesBackInPool() async throws {
        let node = try ThreadedStreamNode { peer, _ in
            let got = try peer.receivePattern()
            try peer.sendPattern(1 << 20)
            peer.shutdownWrite()
            return got
        }
        defer { node.stop() }
        let (received, before, after) = try await Self.session(to: node, settled: { $1.map(\.sparePipes) == [2] && $1.map(\.bulkInUse) == [0] }) { client in
            try client.sendPattern(1 << 20)
            client.shutdownWrite()
            return try client.receivePattern()
        }
        #expect(received == 1 << 20)
        #expect(before.map(\.sparePipes) == [0])
        #expect(after.map(\.sparePipes) == [2])
        #expect(after.map(\.bulkInUse) == [0])
        #expect(try await node.result(0)?.get() == 1 << 20)
    }

    @Test("a way that has moved a mebibyte turns bulk: the download arrives byte for byte, and its buffer is freed when the session ends")
    func bulkWay() async throws {
        let total = 16 << 20
        let node = try ThreadedStreamNode { peer, _ in
            try peer.sendPattern(total)
            peer.shutdownWrite()
            return try peer.receivePattern()
        }
        defer { node.stop() }
        let (received, _, after) = try await Self.session(to: node, settled: { $1.map(\.bulkInUse) == [0] }) { client in
            client.shutdownWrite()
            return try client.receivePattern()
        }
        #expect(received == total)
        #expect(after.map(\.bulkHandedOut) == [1], "the download way turned bulk, the idle upload did not")
        #expect(after.map(\.bulkInUse) == [0])
        #expect(try await node.result(0)?.get() == 0)
    }

    /// Runs one session through a one-loop lean raw router to `node`, `client` on a blocking
    /// thread; the loop's relay pools are read before it, and after it until `settled(before,
    /// after)` holds (polled for 5 s at most: the session ends on the router's loop).
    private static func session(
        to node: ThreadedStreamNode, settled: ([LeanRelayPools], [LeanRelayPools]) -> Bool,
        client: @escaping @Sendable (StreamPeer) throws -> Int
    ) async throws -> (received: Int, before: [LeanRelayPools], after: [LeanRelayPools]) {
        let transport = try LeanTransport(threads: 1, name: "test-splice", backend: RouterHarness.leanBackend)
        let plane = DataPlane(
            policy: StaticNodesPolicy(nodes: [try NodeEndpoint(resolving: "127.0.0.1:\(node.port)")]),
            sessions: SessionTable(workers: transport.workers), logger: RouterHarness.quietLogger)
        let listener = try await transport.bindListener(
            name: "127.0.0.1:0", serving: .raw(StreamRouterOptions()), plane: plane, accepting: true, limit: ConnectionLimit(maximum: 16))
        let port = listener.localAddress?.port ?? 0
        let before = try await transport.relayPools()
        let received = try await RouterHarness.blocking { try client(try StreamPeer.connect(port: port)) }
        var after = try await transport.relayPools()
        let deadline = ContinuousClock.now + .seconds(5)
        while !settled(before, after), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            after = try await transport.relayPools()
        }
        await listener.stop(grace: .seconds(1))
        await transport.shutdown()
        return (received, before, after)
    }
}
