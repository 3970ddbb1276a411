import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterCoreTesting
import RouterWire
import Testing
@testable import RouterRuntime

/// The forkpty router in-process, over TCP loopback and unix sockets: real ptys and real
/// children (`/bin/sh`), with the shell's own output as the evidence.
@Suite("forkpty router over loopback and unix sockets", .serialized)
struct ForkptyRouterTests {
    /// A started router with its framed TCP listener, raw unix listener and stats server.
    struct Router {
        let process: FleetRouterProcess
        let directory: String

        var framedPort: Int { Self.port(process.boundSockets.first { $0.role == .listener && $0.bound.contains(":") }?.bound) }
        var rawPath: String { "\(directory)/raw.sock" }
        var statsPort: Int { Self.port(process.boundAddress(.stats)) }

        static func port(_ bound: String?) -> Int {
            guard let bound, let colon = bound.lastIndex(of: ":") else { return 0 }
            return Int(bound[bound.index(after: colon)...]) ?? 0
        }

        /// One admin API call over its unix socket; the whole response as text.
        func admin(_ method: String, _ path: String, body: String = "") async throws -> String {
            let socket = "\(directory)/admin.sock"
            let request = "\(method) \(path) HTTP/1.1\r\nHost: admin\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            return try await RouterHarness.blocking {
                let client = try PtyTestClient(unixPath: socket)
                try client.send(Array(request.utf8))
                return try client.readToEnd()
            }
        }

        /// The stats document, decoded strictly.
        func stats() async throws -> StatsDocument {
            let port = statsPort
            let bytes = try await RouterHarness.blocking { try BlockingClient(port: port).readToEnd() }
            return try StatsDocument.decode(strict: bytes)
        }
    }

    static func withRouter<T>(_ extra: [String] = [], _ body: (Router) async throws -> T) async throws -> T {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let arguments = [
            "--forkptyurouter", "127.0.0.1:0", "--forkptyrouter", "\(directory)/raw.sock",
            "--forkptyrouter-stats", "127.0.0.1:0", "--forkptyrouter-timeout", "20",
            "--admin", "\(directory)/admin.sock",
        ] + extra
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments, fileReader: FleetRouterCommand.readFile)
        let process = try await FleetRouterProcess.start(
            configuration: configuration, logger: quietLogger, shutdownGrace: .seconds(2), handleSignals: false, announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        do {
            let result = try await body(Router(process: process, directory: directory))
            await process.shutdown()
            return result
        } catch {
            await process.shutdown()
            throw error
        }
    }

    /// Waits until `condition` holds, polling every 10 ms, at most `seconds`.
    static func waitUntil(_ what: String, seconds: Double = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw TestTimeout(what: what) }
            usleep(10_000)
        }
    }

    @Test("framed: stty size after a rows and a cols frame prints the new size, and the pty is the controlling tty")
    func framedResize() async throws {
        let output = try await Self.withRouter { router in
            let port = router.framedPort
            return try await RouterHarness.blocking {
                let client = try PtyTestClient(port: port)
                try client.send(.rows(50), .columns(132))
                // Every needle is computed by the shell, so the pty's echo of the line never matches.
                try client.sendFramed("stty size; echo ctty=$(cut -d' ' -f7 /proc/$$/stat) done-$((1+1))\n")
                return try client.read(until: " done-2\r\n")
            }
        }
        #expect(output.contains("50 132\r\n"), "\(output)")
        let ctty = output.components(separatedBy: "ctty=").last?.components(separatedBy: " ").first ?? ""
        #expect(ctty != "0" && !ctty.isEmpty, "tty_nr of the child's shell is its controlling tty: \(output)")
    }

    @Test("raw over a unix socket: bytes flow as they are and the configured rows and cols apply")
    func rawUnix() async throws {
        let arguments = ["--forkptyrouter-rows", "30", "--forkptyrouter-cols", "100", "--forkptyrouter-workers", "2"]
        let output = try await Self.withRouter(arguments) { router in
            let path = router.rawPath
            return try await RouterHarness.blocking {
                let client = try PtyTestClient(unixPath: path)
                try client.send(Array("stty size; echo raw-$((6*7))\n".utf8))
                return try client.read(until: "raw-42")
            }
        }
        #expect(output.contains("30 100\r\n"), "\(output)")
    }

    @Test("framed signal 2 interrupts sleep in the foreground and the shell takes the next line at once")
    func signalInterruptsSleep() async throws {
        let (output, elapsed) = try await Self.withRouter { router in
            let port = router.framedPort
            let client = try await RouterHarness.blocking { () -> PtyTestClient in
                let client = try PtyTestClient(port: port)
                try client.sendFramed("sleep 30\n")
                return client
            }
            let pid = try await Self.sessionPid(router)
            let started = Date()
            return try await RouterHarness.blocking {
                try Self.waitUntil("sleep runs under the shell \(pid)") { Self.childCommands(of: pid).contains("sleep") }
                try client.send(.signal(2))
                // The shell reads the next line only once sleep is gone.
                try client.sendFramed("echo after-$((1+1))\n")
                let output = try client.read(until: "after-2\r\n")
                #expect(!Self.childCommands(of: pid).contains("sleep"))
                return (output, Date().timeIntervalSince(started))
            }
        }
        #expect(output.contains("after-2"), "\(output)")
        #expect(elapsed < 10, "interrupted, not waited out: \(elapsed) s")
    }

    @Test("a command that does not exist: an error line, then a close; the router stays up")
    func missingCommand() async throws {
        let (first, second) = try await Self.withRouter(["--forkptyrouter-command", "/nonexistent/shell"]) { router in
            let port = router.framedPort
            return try await RouterHarness.blocking {
                let first = try PtyTestClient(port: port).readToEnd()
                let second = try PtyTestClient(port: port).readToEnd()
                return (first, second)
            }
        }
        #expect(first == "fleetrouter: cannot run /nonexistent/shell: No such file or directory\r\n")
        #expect(second == first)
    }

    @Test("bad framed input: rows 0, cols 65535 and modifier2 200 are dropped; the session and the router go on")
    func badFrames() async throws {
        let output = try await Self.withRouter { router in
            let port = router.framedPort
            return try await RouterHarness.blocking {
                let client = try PtyTestClient(port: port)
                try client.send(.rows(0), .columns(65535), .signal(200), .signal(64))
                try client.sendFramed("stty size; echo still-$((40+2))\n")
                return try client.read(until: "still-42")
            }
        }
        #expect(output.contains("24 80\r\n"), "\(output)")
    }

    @Test("the child exiting closes the client after its output; stats list the session while it lives")
    func childExitClosesClient() async throws {
        try await Self.withRouter { router in
            let client = try await Self.openSession(router)
            let document = try await router.stats()
            let session = try #require(document.sessions?.first)
            #expect(document.activeSessions == 1)
            #expect(document.listeners?.routerName == "forkptyrouter")
            #expect(session.command == "/bin/sh" && session.state == "pty" && (session.pid ?? 0) > 1)
            #expect(session.client.hasPrefix("127.0.0.1:") && session.rx > 0 && session.tx > 0)
            let output = try await RouterHarness.blocking {
                try client.sendFramed("printf 'a%.0s' $(seq 1 5000); echo; exit 3\n")
                return try client.readToEnd()
            }
            #expect(output.filter { $0 == "a" }.count >= 5000, "all the output before the close")
            let pid = Int32(session.pid ?? 0)
            try await RouterHarness.blocking {
                try Self.waitUntil("child \(pid) reaped") { kill(pid, 0) != 0 && errno == ESRCH }
            }
            try await Self.waitForNoSessions(router)
        }
    }

    @Test("the admin API kicks a session by its pid: the client is closed, the child hung up and reaped; an unknown pid is 404")
    func adminKick() async throws {
        try await Self.withRouter { router in
            let client = try await Self.openSession(router)
            let pid = try await Self.sessionPid(router)
            let state = try await router.admin("GET", "/v1/state")
            #expect(state.contains("\"pid\":\(pid)") || state.contains("\"pid\": \(pid)"), "GET /v1/state lists the pty session: \(state)")
            let missing = try await router.admin("POST", "/v1/sessions/kick", body: "{\"pid\":\(Int32.max)}")
            #expect(missing.hasPrefix("HTTP/1.1 404"), "\(missing)")
            let kicked = try await router.admin("POST", "/v1/sessions/kick", body: "{\"pid\":\(pid)}")
            #expect(kicked.hasPrefix("HTTP/1.1 200") && kicked.contains("session \(pid) kicked"), "\(kicked)")
            try await RouterHarness.blocking {
                _ = try client.readToEnd()
                try Self.waitUntil("child \(pid) reaped") { kill(pid, 0) != 0 && errno == ESRCH }
            }
            try await Self.waitForNoSessions(router)
        }
    }

    @Test("closing the client hangs up the child, which is reaped")
    func clientCloseHangsUp() async throws {
        try await Self.withRouter { router in
            var client: PtyTestClient? = try await Self.openSession(router)
            let pid = try await Self.sessionPid(router)
            client = nil
            #expect(client == nil)
            try await RouterHarness.blocking {
                try Self.waitUntil("child \(pid) hung up and reaped") { kill(pid, 0) != 0 && errno == ESRCH }
            }
            try await Self.waitForNoSessions(router)
        }
    }

    @Test("backpressure: a client that does not read pauses the pty, so the bytes sent stop growing and stay bounded")
    func slowClientPausesThePty() async throws {
        try await Self.withRouter(["--forkptyrouter-command", "/usr/bin/yes"]) { router in
            let port = router.framedPort
            // Connected and never read from while `yes` writes as fast as the pty takes it.
            let client = try PtyTestClient(port: port)
            var previous: UInt64 = .max
            var settled: UInt64?
            let deadline = Date().addingTimeInterval(10)
            while settled == nil, Date() < deadline {
                let tx = try await router.stats().sessions?.first?.tx ?? .max
                if tx == previous && tx != .max { settled = tx }
                previous = tx
                try await Task.sleep(for: .milliseconds(200))
            }
            let sent = try #require(settled, "tx never stopped growing: \(previous)")
            // Socket buffers plus the channel's high watermark: a few MiB at most, not unbounded.
            #expect(sent > 0 && sent < 16 << 20, "\(sent) bytes")
            withExtendedLifetime(client) {}
        }
    }

    @Test("100 sequential sessions leave no zombie and no leaked descriptor")
    func hundredSessions() async throws {
        try await Self.withRouter { router in
            let port = router.framedPort
            let path = router.rawPath
            let before = Self.openDescriptors()
            let pids = try await RouterHarness.blocking { () -> [Int32] in
                var pids: [Int32] = []
                for index in 0..<100 {
                    let client = try index % 2 == 0 ? PtyTestClient(port: port) : PtyTestClient(unixPath: path)
                    let line = "echo pid=$$ n=$((\(index)+1000))\n"
                    if index % 2 == 0 { try client.sendFramed(line) } else { try client.send(Array(line.utf8)) }
                    let output = try client.read(until: "n=\(index + 1000)\r\n", from: 0)
                    let pidText = output.components(separatedBy: "pid=").last?.components(separatedBy: " ").first ?? ""
                    pids.append(Int32(pidText) ?? 0)
                }
                return pids
            }
            #expect(Set(pids).count == 100 && !pids.contains(0))
            try await RouterHarness.blocking {
                try Self.waitUntil("every child reaped") { pids.allSatisfy { kill($0, 0) != 0 && errno == ESRCH } }
            }
            try await Self.waitForNoSessions(router)
            let after = Self.openDescriptors()
            #expect(after.ptys == before.ptys, "pty descriptors before \(before.ptys), after \(after.ptys)")
            #expect(after.ptys == 0)
        }
    }

    // MARK: helpers

    /// A framed session whose shell has answered once.
    static func openSession(_ router: Router) async throws -> PtyTestClient {
        let port = router.framedPort
        return try await RouterHarness.blocking {
            let client = try PtyTestClient(port: port)
            try client.sendFramed("echo up-$((1+1))\n")
            try client.read(until: "up-2\r\n")
            return client
        }
    }

    /// The pid of the router's one pty session.
    static func sessionPid(_ router: Router) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let pid = try await router.stats().sessions?.first?.pid { return Int32(pid) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestTimeout(what: "a pty session in the stats")
    }

    static func waitForNoSessions(_ router: Router) async throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let document = try await router.stats()
            if document.sessions?.isEmpty == true && document.activeSessions == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestTimeout(what: "the stats to list no pty session")
    }

    /// The command names of `pid`'s children.
    static func childCommands(of pid: Int32) -> [String] {
        let children = ProcFile.contents(of: "/proc/\(pid)/task/\(pid)/children") ?? ""
        return children.split(separator: " ").compactMap { child in
            ProcFile.contents(of: "/proc/\(child)/comm")?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// This process's open descriptors: all of them, and those on a pty.
    static func openDescriptors() -> (all: Int, ptys: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        let ptys = names.filter { name in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")) ?? ""
            return target == "/dev/ptmx" || target.hasPrefix("/dev/pts/")
        }
        return (names.count, ptys.count)
    }
}
