import DataPlaneTesting
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
@testable import RouterRuntime

/// `--http-post-buffering` and `--fastrouter-post-buffering` over loopback, on every transport:
/// the node is not asked for until the whole body arrived, a body over the limit goes through an
/// unlinked file in the spool directory, and a spool that cannot be made is a 502 (HTTP) or a
/// close (fast router) with one log line naming the directory and the errno.
@Suite("Post-buffering over loopback", .everyTransport)
struct PostBufferingTests {
    /// A body whose bytes are not all alike, and the fake node's checksum of it.
    static func body(_ count: Int) -> (bytes: [UInt8], sum: UInt64) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251) }
        return (bytes, bytes.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
    }

    static func http(limit: Int, directory: String?) -> ClientProtocol {
        var options = HTTPRouterOptions()
        options.serverName = "router.test"
        options.postBuffering = limit
        options.postBufferingDirectory = directory
        return .http(options)
    }

    static func fast(limit: Int, directory: String?) -> ClientProtocol {
        var options = StreamRouterOptions()
        options.postBuffering = limit
        options.postBufferingDirectory = directory
        return .fast(options)
    }

    static func httpHead(_ length: Int) -> [UInt8] {
        Array("POST /upload HTTP/1.1\r\nHost: app.local\r\nContent-Length: \(length)\r\n\r\n".utf8)
    }

    static func fastHead(_ length: Int) -> [UInt8] {
        Array(StreamMachineSupport.request(method: "POST", body: length).readableBytesView)
    }

    /// The router's one session once it has read `rx` bytes of its client (bounded poll).
    static func session(_ plane: DataPlane, read rx: Int) async throws -> SessionSnapshot {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let session = try await plane.sessions.snapshot().first(where: { $0.rx >= UInt64(rx) }) { return session }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestTimeout(what: "the router to read \(rx) client bytes")
    }

    /// This process's open files under `directory` (the router runs in it): the spool files.
    static func openFiles(under directory: String) -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
            .filter { $0.hasPrefix(directory + "/") }
    }

    /// Polls until no file under `directory` is open (the router closed its spool).
    static func spoolsClosed(under directory: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if openFiles(under: directory).isEmpty { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// A router with a logger that keeps its records, in front of `nodes`.
    static func withRouter<T>(
        _ kind: ClientProtocol, nodes: [Int], logs: CapturedLogs,
        _ body: (Int, DataPlane) async throws -> T
    ) async throws -> T {
        let endpoints = try nodes.map { try NodeEndpoint(resolving: "127.0.0.1:\($0)") }
        let transport = try RouterHarness.makeTransport(RouterHarness.transport)
        var logger = logs.logger()
        logger.logLevel = .info
        let plane = DataPlane(policy: StaticNodesPolicy(nodes: endpoints), sessions: SessionTable(workers: transport.workers), logger: logger)
        let listener = try await transport.bindListener(
            name: "127.0.0.1:0", serving: kind, plane: plane, accepting: true, limit: ConnectionLimit(maximum: 64))
        let port = listener.localAddress?.port ?? 0
        do {
            let result = try await body(port, plane)
            await listener.stop(grace: .seconds(2))
            await transport.shutdown()
            return result
        } catch {
            await listener.stop(grace: .milliseconds(10))
            await transport.shutdown()
            throw error
        }
    }

    // MARK: the node waits for the whole body

    @Test("HTTP: the node is not asked for while the body arrives; it then gets all of it",
          arguments: [(64 * 1024, 40_000), (1024, 40_000)])
    func httpNodeWaits(limit: Int, length: Int) async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        try await nodeWaits(kind: Self.http(limit: limit, directory: directory), head: Self.httpHead(length), length: length, directory: directory, spooled: length > limit)
    }

    @Test("fast router: the node is not asked for while the body arrives; it then gets all of it",
          arguments: [(64 * 1024, 40_000), (1024, 40_000)])
    func fastNodeWaits(limit: Int, length: Int) async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        try await nodeWaits(kind: Self.fast(limit: limit, directory: directory), head: Self.fastHead(length), length: length, directory: directory, spooled: length > limit)
    }

    /// Sends the head and half the body, checks the router holds it without a node (and, when
    /// `spooled`, in an unlinked file under `directory`), then sends the rest and checks the
    /// node got every byte and the spool was closed.
    func nodeWaits(kind: ClientProtocol, head: [UInt8], length: Int, directory: String, spooled: Bool) async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let (bytes, sum) = Self.body(length)
        let half = length / 2
        let logs = CapturedLogs()
        let response = try await Self.withRouter(kind, nodes: [node.port], logs: logs) { port, plane in
            let client = try await RouterHarness.blocking { ClientBox(try BlockingClient(port: port)) }
            try await RouterHarness.blocking { try client.client.send(head + bytes[0..<half]) }
            let session = try await Self.session(plane, read: head.count + half)
            // Routing happens only after the body: no key, no node, nothing at the node.
            #expect(session.key == "" && session.node == "")
            #expect(session.state == .waiting)
            #expect(node.requests.load(ordering: .relaxed) == 0)
            let open = Self.openFiles(under: directory)
            if spooled {
                #expect(open.count == 1)
                #expect(open.allSatisfy { $0.hasSuffix("(deleted)") }, "the spool file has no name: \(open)")
            } else {
                #expect(open.isEmpty)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
            return try await RouterHarness.blocking {
                try client.client.send(Array(bytes[half...]))
                return try client.client.readResponse()
            }
        }
        #expect(response.status == 200)
        #expect(response.vars["BODY"] == "\(length):\(sum)")
        #expect(response.vars["CONTENT_LENGTH"] == "\(length)")
        #expect(try await Self.spoolsClosed(under: directory))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    // MARK: a spool that cannot be made

    @Test("HTTP: a missing spool directory answers 502 and logs the directory and the errno")
    func httpMissingDirectory() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let parent = try makeTempDirectory()
        defer { removeDirectory(parent) }
        let missing = parent + "/missing"
        let logs = CapturedLogs()
        let (bytes, _) = Self.body(5000)
        let response = try await Self.withRouter(Self.http(limit: 1000, directory: missing), nodes: [node.port], logs: logs) { port, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                // Just over the limit: the router has read every byte sent when it answers.
                try client.send(Self.httpHead(bytes.count) + bytes[0..<1001])
                return try client.readResponse()
            }
        }
        #expect(response.status == 502)
        #expect(node.requests.load(ordering: .relaxed) == 0)
        let lines = logs.records.filter { $0.message.contains("post-buffering") }
        #expect(lines.count == 1)
        #expect(lines.first.map { $0.message.contains(missing) && $0.message.contains("errno 2") } == true, "\(lines.map(\.message))")
    }

    @Test("fast router: a missing spool directory closes the client and logs the directory and the errno")
    func fastMissingDirectory() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let parent = try makeTempDirectory()
        defer { removeDirectory(parent) }
        let missing = parent + "/missing"
        let logs = CapturedLogs()
        let (bytes, _) = Self.body(5000)
        let closed = try await Self.withRouter(Self.fast(limit: 1000, directory: missing), nodes: [node.port], logs: logs) { port, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(Self.fastHead(bytes.count) + bytes[0..<1001])
                return client.waitClosedOrReset()
            }
        }
        #expect(closed)
        #expect(node.requests.load(ordering: .relaxed) == 0)
        let lines = logs.records.filter { $0.message.contains("post-buffering") }
        #expect(lines.count == 1)
        #expect(lines.first.map { $0.message.contains(missing) && $0.message.contains("errno 2") } == true, "\(lines.map(\.message))")
    }
}

/// Hands one blocking client between the test and the threads its blocking calls run on; only
/// one of them uses it at a time.
private final class ClientBox: @unchecked Sendable {
    let client: BlockingClient

    init(_ client: BlockingClient) {
        self.client = client
    }
}
