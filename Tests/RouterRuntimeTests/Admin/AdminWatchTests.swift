import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing
@testable import RouterRuntime
import RouterWire

/// A small router document told apart by its `version`.
private func document(_ version: String, requests: UInt64 = 0) -> StatsDocument {
    StatsDocument(version: version, pid: 1, cwd: "/", subscriptions: [
        .init(key: "app.example", hash: 1, nodes: [.init(name: "10.0.0.1:3031", requests: requests)]),
    ])
}

/// The compact JSON of `document`, as a watch line carries it.
private func json(_ document: StatsDocument) -> String {
    String(decoding: document.encodeJSON(style: .compact), as: UTF8.self)
}

/// Answers `GET /watch` with a stream whose documents are `A` twice, then `B` for good.
private final class CountingStreamHandler: AdminHandler {
    let calls = NIOLockedValueBox(0)

    func handle(_ call: AdminCall) async -> AdminReply {
        var reply = AdminReply(status: .ok, body: ByteBuffer())
        let calls = self.calls
        reply.stream = AdminStream(interval: .milliseconds(20)) {
            let count = calls.withLockedValue { value -> Int in
                value += 1
                return value
            }
            return document(count <= 2 ? "A" : "B")
        }
        return reply
    }
}

/// Decodes a chunked body (after the head) into its bytes; nil when it is not well formed.
private func dechunk(_ text: Substring) -> (body: String, ended: Bool)? {
    var rest = Array(text.utf8)[...]
    var body: [UInt8] = []
    for _ in 0..<10_000 {
        guard let cr = rest.firstIndex(of: 13), rest.index(after: cr) < rest.endIndex, rest[rest.index(after: cr)] == 10 else {
            return (String(decoding: body, as: UTF8.self), false)
        }
        guard let size = Int(String(decoding: rest[..<cr], as: UTF8.self), radix: 16) else { return nil }
        rest = rest[(cr + 2)...]
        if size == 0 { return (String(decoding: body, as: UTF8.self), true) }
        guard rest.count >= size + 2 else { return (String(decoding: body, as: UTF8.self), false) }
        body += rest.prefix(size)
        rest = rest.dropFirst(size + 2)
    }
    return nil
}

/// Answers `GET /watch` with a stream whose third document waits until its reader is
/// cancelled (the watcher left) and is then returned anyway, as a document read just as the
/// peer goes would be; it counts every call.
private final class LeftBehindStreamHandler: AdminHandler {
    let calls = NIOLockedValueBox(0)
    let sawCancel = NIOLockedValueBox(false)

    func handle(_ call: AdminCall) async -> AdminReply {
        var reply = AdminReply(status: .ok, body: ByteBuffer())
        let calls = self.calls
        let sawCancel = self.sawCancel
        reply.stream = AdminStream(interval: .milliseconds(20)) {
            let count = calls.withLockedValue { value -> Int in
                value += 1
                return value
            }
            if count == 3 {
                // Waits for the cancel without spinning: a stream that never yields ends when
                // its task is cancelled (bounded by the test's time limit if it never is).
                let (never, continuation) = AsyncStream<Void>.makeStream()
                for await _ in never {}
                continuation.finish()
                sawCancel.withLockedValue { $0 = true }
            }
            return document("\(count)")
        }
        return reply
    }
}

@Suite("Admin watch stream")
struct AdminWatchTests {
    /// An admin server answering with `handler` on a loop of its own, and a client that has
    /// sent it `GET /watch`.
    static func watching(_ handler: some AdminHandler) async throws -> (MultiThreadedEventLoopGroup, AdminServer, TestClient.Connection) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await AdminServer.bind(
            .init(listener: try SocketAddressSpec(parsing: "127.0.0.1:0")),
            token: nil, handler: handler, group: group, logger: Logger(label: "watch", factory: { _ in SwiftLogNoOpLogHandler() }))
        let connection = try await TestClient.connect(
            server.listener.boundAddress, group: group, request: "GET /watch HTTP/1.1\r\nHost: admin\r\n\r\n")
        return (group, server, connection)
    }

    @Test("each next line is due at the next whole interval of the wall clock, never at once")
    func framesAligned() {
        func after(_ seconds: Int, _ nanoseconds: Int, every interval: Duration) -> Int64 {
            AdminHTTPHandler.untilNextFrame(every: interval, now: Int64(seconds) * 1_000_000_000 + Int64(nanoseconds)).nanoseconds
        }
        #expect(after(1_795_909_900, 250_000_000, every: .seconds(1)) == 750_000_000)
        #expect(after(1_795_909_900, 0, every: .seconds(1)) == 1_000_000_000, "on a boundary: the next one, not now")
        #expect(after(1_795_909_900, 999_999_999, every: .seconds(1)) == 1)
        #expect(after(1_795_909_900, 100_000_000, every: .milliseconds(250)) == 150_000_000)
        #expect(after(1_795_909_901, 0, every: .seconds(2)) == 1_000_000_000)
        #expect(after(1_795_909_901, 0, every: .milliseconds(1_500)) == 1_000_000_000)  // 1,795,909,901 s is 0.5 s past a multiple of 1.5 s
    }

    @Test("frames: the first document whole, an unchanged one as an empty line, a changed one whole again")
    func framesSendUnchangedAsEmptyLine() {
        var frames = WatchFrames()
        let (a, b) = (document("A"), document("B"))
        #expect(String(buffer: frames.line(for: a)) == json(a) + "\n")
        #expect(String(buffer: frames.line(for: a)) == "\n")
        #expect(String(buffer: frames.line(for: b)) == json(b) + "\n")
        #expect(String(buffer: frames.line(for: a)) == json(a) + "\n")
        // Counters changed, but this watcher did not ask for deltas.
        #expect(String(buffer: frames.line(for: document("A", requests: 5))) == json(document("A", requests: 5)) + "\n")
    }

    @Test("frames with deltas: the first document whole, then counters as deltas, a document whose delta cannot say it whole")
    func framesSendDeltas() throws {
        var frames = WatchFrames(deltas: true)
        let first = document("A", requests: 1)
        #expect(String(buffer: frames.line(for: first)) == json(first) + "\n")
        #expect(String(buffer: frames.line(for: first)) == "\n")
        let busier = document("A", requests: 9)
        let delta = frames.line(for: busier)
        #expect(String(buffer: delta) == #"{"delta":{"subscriptions":[{"nodes":[{"requests":9}]}]}}"# + "\n")
        // What the watcher makes of it is the router's document.
        var line = delta
        line.moveWriterIndex(to: line.writerIndex - 1)
        #expect(try first.applying(delta: line) == busier)
        // A new version is not a delta's to carry: the whole document goes.
        let renamed = document("B", requests: 9)
        #expect(String(buffer: frames.line(for: renamed)) == json(renamed) + "\n")
    }

    @Test("query: interval defaults to 1 s, is read in milliseconds, and is refused out of range or malformed")
    func queryBounds() throws {
        #expect(try WatchQuery(query: nil).interval == .seconds(1))
        #expect(try WatchQuery(query: "router=http").interval == .seconds(1))
        #expect(try WatchQuery(query: "router=http&interval=250").interval == .milliseconds(250))
        #expect(try WatchQuery(query: "interval=100").interval == .milliseconds(100))
        #expect(try WatchQuery(query: "interval=60000").interval == .seconds(60))
        for bad in ["interval=99", "interval=60001", "interval=", "interval=-5", "interval=1e3", "interval=99999999999999999999999", "interval=100&interval=200"] {
            #expect(throws: WatchQueryError.self, "\(bad)") { try WatchQuery(query: bad) }
        }
        #expect((try? WatchQuery(query: "interval=5")) == nil)
        #expect(try WatchQuery(query: "interval=250").deltas == false)
        #expect(try WatchQuery(query: "router=http&delta=1&interval=250").deltas == true)
        #expect(try WatchQuery(query: "delta=0").deltas == false)
        for bad in ["delta=yes", "delta=", "delta"] {
            #expect(throws: WatchQueryError.self, "\(bad)") { try WatchQuery(query: bad) }
        }
        do {
            _ = try WatchQuery(query: "interval=abc")
        } catch {
            #expect(error.message.contains("interval=abc") && error.message.contains("milliseconds"))
        }
    }

    @Test("the deadlines: a plain answer's processing deadline closes the connection; once streaming, none does")
    func streamingDisarmsTheDeadline() throws {
        let timeouts = AdminDeadlineHandler.Timeouts(idle: .seconds(1), request: .seconds(1), processing: .seconds(1))
        for streaming in [false, true] {
            let loop = EmbeddedEventLoop()
            let channel = EmbeddedChannel(handler: AdminDeadlineHandler(timeouts: timeouts), loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeInbound(ByteBuffer(string: "GET /v1/watch HTTP/1.1\r\n\r\n"))
            _ = try channel.readInbound(as: ByteBuffer.self)
            channel.pipeline.triggerUserOutboundEvent(AdminDeadlineHandler.RequestReceived(), promise: nil)
            if streaming { channel.pipeline.triggerUserOutboundEvent(AdminDeadlineHandler.Streaming(), promise: nil) }
            loop.advanceTime(by: .seconds(3600))
            #expect(channel.isActive == streaming, "streaming \(streaming)")
            _ = try? channel.finish()
        }
    }

    @Test("a watcher that leaves while a document is being read gets no more frames read for it",
          .timeLimit(.minutes(1)))
    func leftWatcherStopsTheStream() async throws {
        let handler = LeftBehindStreamHandler()
        let (group, server, connection) = try await Self.watching(handler)
        // The third read is under way (it waits for its cancel): the watcher leaves now.
        while handler.calls.withLockedValue({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(5)) }
        try await connection.channel.close()
        while !handler.sawCancel.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        // The read returned a document after the peer left. A stream that went on would read the
        // next one 20 ms later, and every 20 ms after; 50 intervals is the window looked at.
        try await Task.sleep(for: .seconds(1))
        let calls = handler.calls.withLockedValue { $0 }
        await server.shutdown()
        try await group.shutdownGracefully()
        #expect(calls == 3, "documents read after the watcher left: \(calls - 3)")
    }

    @Test("a streamed answer: chunked NDJSON, one line per interval, unchanged as empty lines; shutdown ends it cleanly")
    func streamOverTheServer() async throws {
        let handler = CountingStreamHandler()
        let (group, server, connection) = try await Self.watching(handler)
        // Five documents (bounded: 60 s on a starved machine).
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while handler.calls.withLockedValue({ $0 }) < 5, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(connection.isOpen)
        await server.shutdown()
        let result = try await connection.result()
        try await group.shutdownGracefully()

        #expect(result.sawEOF)
        let text = result.text
        let head = try #require(text.range(of: "\r\n\r\n"))
        let headers = text[..<head.lowerBound].lowercased()
        #expect(headers.hasPrefix("http/1.1 200"))
        #expect(headers.contains("content-type: application/x-ndjson"))
        #expect(headers.contains("transfer-encoding: chunked"))
        let body = try #require(dechunk(text[head.upperBound...]))
        #expect(body.ended, "the server ends the stream with the last chunk before closing")
        let lines = body.body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count >= 4)
        #expect(Array(lines.prefix(4)) == [json(document("A")), "", json(document("B")), ""].map { Substring($0) })
        let unchanged = lines.dropFirst(3).allSatisfy { $0.isEmpty }
        #expect(unchanged)
    }
}
