import DataPlaneTesting
import Foundation
import Logging
import NIOCore
import ProcessTesting
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

    static func http(limit: Int, directory: String?, _ edit: (inout HTTPRouterOptions) -> Void = { _ in }) -> ClientProtocol {
        var options = HTTPRouterOptions()
        options.serverName = "router.test"
        options.postBuffering = limit
        options.postBufferingDirectory = directory
        edit(&options)
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

extension PostBufferingTests {
    /// Mounts a 64 KiB tmpfs on a fresh directory, fills all of it but one 4 KiB page, runs
    /// `body` with the directory and unmounts it (the test runs as root, as CI does; a mount
    /// that fails fails the test).
    static func withNearlyFullDisk<T>(_ body: (String) async throws -> T) async throws -> T {
        let parent = try makeTempDirectory()
        defer { removeDirectory(parent) }
        let mountPoint = parent + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let mounted = try await SpawnedProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mountPoint], timeout: .seconds(10))
        guard mounted.termination == .exited(0) else {
            throw TestTimeout(what: "a 64 KiB tmpfs at \(mountPoint): mount ended with \(mounted.termination): \(mounted.errors)")
        }
        let result: Result<T, any Error>
        do {
            try Data(repeating: 0x55, count: 60 * 1024).write(to: URL(fileURLWithPath: mountPoint + "/filler"))
            result = .success(try await body(mountPoint))
        } catch {
            result = .failure(error)
        }
        let unmounted = try await SpawnedProcess.run("/bin/umount", [mountPoint], timeout: .seconds(10))
        #expect(unmounted.termination == .exited(0), "umount \(mountPoint): \(unmounted.errors)")
        return try result.get()
    }

    @Test("a spool on a full disk: HTTP answers 502, the fast router closes; both log the directory and ENOSPC and never ask the node",
          .everyTransport, arguments: [true, false])
    func fullDisk(http: Bool) async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        try await Self.withNearlyFullDisk { directory in
            let logs = CapturedLogs()
            let (bytes, _) = Self.body(10_000)
            let kind = http ? Self.http(limit: 1000, directory: directory) : Self.fast(limit: 1000, directory: directory)
            let request = (http ? Self.httpHead(bytes.count) : Self.fastHead(bytes.count)) + bytes
            let outcome = try await Self.withRouter(kind, nodes: [node.port], logs: logs) { port, _ in
                try await RouterHarness.blocking {
                    let client = try BlockingClient(port: port)
                    // One send: the router has every byte when the write past the last page fails.
                    try client.send(request)
                    return http ? "\(try client.readResponse().status)" : client.waitClosedOrReset() ? "closed" : "open"
                }
            }
            #expect(outcome == (http ? "502" : "closed"))
            #expect(node.requests.load(ordering: .relaxed) == 0)
            let lines = logs.records.filter { $0.message.contains("post-buffering") }
            #expect(lines.count == 1)
            #expect(lines.first.map { $0.message.contains(directory) && $0.message.contains("errno \(ENOSPC)") } == true, "\(lines.map(\.message))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["filler"])
        }
    }

    @Test("HTTP: a client that stops sending its body is answered 408 once the timeout passes without a byte; the node is never asked",
          .everyTransport, arguments: [1000, 64 * 1024])
    func httpBodyDeadline(limit: Int) async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (bytes, _) = Self.body(5000)
        let kind = Self.http(limit: limit, directory: directory) { $0.timeout = .seconds(1) }
        let (response, waited) = try await Self.withRouter(kind, nodes: [node.port], logs: CapturedLogs()) { port, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port, timeoutSeconds: 15)
                try client.send(Self.httpHead(bytes.count) + bytes[0..<2000])
                let start = ContinuousClock.now
                let response = try client.readResponse()
                return (response, ContinuousClock.now - start)
            }
        }
        #expect(response.status == 408)
        #expect(waited >= .milliseconds(900) && waited < .seconds(10), "\(waited)")
        #expect(node.requests.load(ordering: .relaxed) == 0)
        #expect(try await Self.spoolsClosed(under: directory))
    }

    @Test("HTTP: with --http-manage-expect, 'Expect: 100-continue' is answered before the body, which is then buffered whole and reaches the node",
          .everyTransport, arguments: [64 * 1024, 1024])
    func httpExpectContinue(limit: Int) async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (bytes, sum) = Self.body(40_000)
        let kind = Self.http(limit: limit, directory: directory) { $0.manageExpect = .answer }
        let head = "POST /upload HTTP/1.1\r\nHost: app.local\r\nContent-Length: \(bytes.count)\r\nExpect: 100-continue\r\n\r\n"
        let (interim, response) = try await Self.withRouter(kind, nodes: [node.port], logs: CapturedLogs()) { port, _ in
            try await RouterHarness.blocking {
                let client = try BlockingClient(port: port)
                try client.send(head)
                let continued = "HTTP/1.1 100 Continue\r\n\r\n"
                let interim = String(decoding: try client.read(count: continued.utf8.count), as: UTF8.self)
                // Nothing reached the node before the body.
                let early = node.requests.load(ordering: .relaxed)
                try client.send(bytes)
                return ((interim, early), try client.readResponse())
            }
        }
        #expect(interim.0 == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(interim.1 == 0)
        #expect(response.status == 200)
        #expect(response.vars["BODY"] == "\(bytes.count):\(sum)")
        #expect(try await Self.spoolsClosed(under: directory))
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
