import DataPlaneTesting
import CNIOLinux
import Foundation
import Logging
import NIOCore
import RouterConfig
import SocketSupport
import Testing
import RouterCoreTesting
@testable import RouterRuntime

/// Regressions of the data-plane listener bugs: `@name` bound NUL-padded, stale unix socket
/// files never removed, and `--xxx-quiet` not quieting connect failures.
@Suite("Data-plane listener regressions", .everyTransport)
struct ListenerBugRegressionTests {
    /// Connects a blocking stream socket to `@name` with the exact address length uWSGI uses.
    static func connectsWithExactLength(_ name: String) -> Bool {
        let fd = socket(AF_UNIX, SocketPrimitives.streamType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return SocketPrimitives.withAbstractAddress(name) { connect(fd, $0, $1) } == 0
    }

    @Test("--http @name binds the exact-length abstract address, as every other listener does")
    func abstractListenerExactLength() async throws {
        let name = "fleet-rt-\(UInt32.random(in: 0...UInt32.max))"
        try await RouterHarness.withRouter(.http(HTTPRouterOptions()), nodes: [], name: "@" + name) { _, _, _ in
            let reached = try await RouterHarness.blocking { Self.connectsWithExactLength(name) }
            #expect(reached)
        }
        // Stopped: the exact-length name is gone with it.
        let afterStop = try await RouterHarness.blocking { Self.connectsWithExactLength(name) }
        #expect(!afterStop)
    }

    @Test("a unix-path data listener replaces a stale socket file and removes its own on stop",
          arguments: ["http", "fast", "raw"])
    func staleSocketFile(kind: String) async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let path = "\(directory)/\(kind).sock"
        try makeStaleSocketFile(at: path)
        let clientProtocol: ClientProtocol = switch kind {
        case "http": .http(HTTPRouterOptions())
        case "fast": .fast(StreamRouterOptions())
        default: .raw(StreamRouterOptions())
        }
        try await RouterHarness.withRouter(clientProtocol, nodes: [], name: path) { _, _, _ in
            let accepted = try await RouterHarness.blocking { () -> Bool in
                let fd = socket(AF_UNIX, SocketPrimitives.streamType, 0)
                defer { close(fd) }
                let address = try SocketAddress(unixDomainSocketPath: path)
                return address.withSockAddr { connect(fd, $0, socklen_t($1)) } == 0
            }
            #expect(accepted)
        }
        #expect(!isSocketFile(at: path))
    }

    @Test("a regular file at a data listener's path is refused, not unlinked")
    func regularFileKept() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let path = "\(directory)/data.sock"
        try "keep".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: RuntimeError.notASocket(path: path)) {
            try await RouterHarness.withRouter(.http(HTTPRouterOptions()), nodes: [], name: path) { _, _, _ in }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test("--xxx-quiet drops the data plane's 'unable to connect() to node' lines, and only with it",
          arguments: [("http", false), ("http", true), ("fastrouter", false), ("fastrouter", true)])
    func quietConnectFailures(kind: String, quiet: Bool) async throws {
        let closed = try RefusingPort.take()
        var arguments = ["--\(kind)", "127.0.0.1:0", "--\(kind)-to", "127.0.0.1:\(closed)"]
        if quiet { arguments += ["--\(kind)-quiet", "1"] }
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments, fileReader: FleetRouterCommand.readFile)
        let logs = CapturedLogs()
        let process = try await FleetRouterProcess.start(
            configuration: configuration.onTransportUnderTest, logger: logs.logger(), shutdownGrace: .seconds(2), handleSignals: false,
            announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        guard let bound = process.boundAddress(.listener), let colon = bound.lastIndex(of: ":"),
              let port = Int(bound[bound.index(after: colon)...]) else {
            await process.shutdown()
            throw TestTimeout(what: "a bound listener")
        }
        let request: [UInt8] = kind == "http"
            ? Array("GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n".utf8)
            : StreamRouterTests.packet([("HTTP_HOST", "app.local"), ("PATH_INFO", "/")], modifier1: 0, modifier2: 0)
        // The router answers (HTTP 502) or closes (fast router) only after it handled the failure.
        let answered = try await RouterHarness.blocking { () -> Bool in
            let client = try BlockingClient(port: port, timeoutSeconds: 10)
            try client.send(request)
            _ = try client.readToEnd()
            return true
        }
        await process.shutdown()
        #expect(answered)
        let lines = logs.records.filter { $0.message.contains("unable to connect() to node") }
        #expect(lines.isEmpty == quiet, "\(kind) quiet=\(quiet): \(lines.map(\.message))")
    }
}
