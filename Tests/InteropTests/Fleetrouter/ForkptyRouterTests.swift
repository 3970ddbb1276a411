import Foundation
import NIOCore
import RouterCoreTesting
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's forkpty router and its `pty-attach` client against uWSGI's: uWSGI's
    /// `--pty-uconnect` client on fleetrouter's framed listener, fleetrouter's `pty-attach` on
    /// uWSGI's framed and raw listeners, and fleetrouter's process after 100 sessions. Both
    /// clients read the window size of a terminal, so they run under `script` (util-linux),
    /// which gives them one whose size the test sets with `stty`.
    @Suite("fleetrouter forkpty router and pty-attach against uWSGI's", .requiresFleetrouter)
    struct ForkptyRouterTests {
        /// What the pty tests need beyond the common interop peers.
        static func requirePtyPeers() throws {
            for plugin in ["forkptyrouter", "pty"] {
                let file = "\(Uwsgi.pluginDirectory)/\(plugin)_plugin.so"
                guard FileManager.default.fileExists(atPath: file) else { throw InteropError("missing \(file) (apt-get install uwsgi-core)") }
            }
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
                throw InteropError("missing /usr/bin/script (apt-get install util-linux)")
            }
        }

        /// Starts `command` (a shell command line) on a terminal of its own under `script`,
        /// with a pipe as the terminal's keyboard.
        static func onTerminal(_ name: String, _ command: String, in directory: TemporaryDirectory) async throws -> (ManagedProcess, FileHandle) {
            let input = Pipe()
            let process = try await ManagedProcess.launch(
                name: name, executable: URL(fileURLWithPath: "/usr/bin/script"), arguments: ["-qfec", command, "/dev/null"],
                directory: directory.url, input: input)
            return (process, input.fileHandleForWriting)
        }

        @Test("uWSGI's --pty-uconnect on fleetrouter's --forkptyurouter: its window size arrives, the shell answers, exit ends the client")
        func uwsgiClientOnFleetrouter() async throws {
            try Self.requirePtyPeers()
            try await InteropFleet.run { fleet in
                try await fleet.startRouter(["--forkptyurouter", "127.0.0.1:0", "--forkptyrouter-stats", "127.0.0.1:0"])
                let listener = try fleet.listener("forkptyrouter")
                let uwsgi = try Uwsgi.require()
                let (client, keyboard) = try await Self.onTerminal(
                    "uwsgi-pty-uconnect", "stty rows 40 cols 120; \(uwsgi) --plugin pty --pty-uconnect \(listener)", in: fleet.directory)
                try await client.waitForLine(containing: "[pty] connected.")
                keyboard.write(Data("stty size; echo uconnect-$((6*7))\n".utf8))
                try await client.waitForLine(containing: "uconnect-42")
                #expect(client.lines.contains { $0.contains("40 120") }, "\(client.logTail)")
                keyboard.write(Data("exit\n".utf8))
                #expect(try await client.waitForExit(timeout: .seconds(10)) == .exited(0))
            }
        }

        @Test("pty-attach on uWSGI's --forkptyurouter: raw terminal, rows and cols sent, shell answers, terminal restored at exit; uWSGI's stats read leniently")
        func ptyAttachOnUwsgi() async throws {
            try Self.requirePtyPeers()
            try await InteropFleet.run { fleet in
                let socket = fleet.directory.file("upty.sock")
                let statsSocket = fleet.directory.file("ustats.sock")
                let router = try await Self.startUwsgiForkpty(fleet, ["--forkptyurouter", socket, "--forkptyrouter-stats", statsSocket])
                defer { Task { try? await router.killGroup() } }
                let fleetrouter = try FleetrouterBinary.require().path
                let (client, keyboard) = try await Self.onTerminal(
                    "pty-attach",
                    "stty rows 33 cols 111; \(fleetrouter) pty-attach \(socket); echo status=$?; stty -a | grep -o -- '-\\?icanon'",
                    in: fleet.directory)
                keyboard.write(Data("stty size; echo attach-$((6*7))\n".utf8))
                try await client.waitForLine(containing: "attach-42")
                #expect(client.lines.contains { $0.contains("33 111") }, "\(client.logTail)")
                // The decoder fleettop uses reads uWSGI's forkptyrouter document: its listener
                // list, one active session, and no session list (uWSGI has none).
                let reading = try await StatsProbe(endpoint: .unix(path: statsSocket)).wait("one forkpty session") {
                    $0.activeSessions == 1
                }
                #expect(reading.document.listeners == .init(routerName: "forkptyrouter", addresses: [socket]))
                #expect(reading.document.sessions == nil && reading.document.cheap == 0)
                keyboard.write(Data("exit\n".utf8))
                #expect(try await client.waitForExit(timeout: .seconds(10)) == .exited(0))
                #expect(client.lines.contains { $0.hasPrefix("status=0") }, "\(client.logTail)")
                let lines = client.lines.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                #expect(lines.last == "icanon", "canonical mode is back after pty-attach: \(client.logTail)")
            }
        }

        @Test("pty-attach --raw with a piped stdin on uWSGI's raw --forkptyrouter")
        func ptyAttachRawOnUwsgi() async throws {
            try Self.requirePtyPeers()
            try await InteropFleet.run { fleet in
                let socket = fleet.directory.file("uraw.sock")
                let router = try await Self.startUwsgiForkpty(fleet, ["--forkptyrouter", socket])
                defer { Task { try? await router.killGroup() } }
                let input = Pipe()
                let client = try await ManagedProcess.launch(
                    name: "pty-attach --raw", executable: try FleetrouterBinary.require(), arguments: ["pty-attach", "--raw", socket],
                    directory: fleet.directory.url, input: input)
                input.fileHandleForWriting.write(Data("stty size; echo raw-$((6*7))\n".utf8))
                try await client.waitForLine(containing: "raw-42")
                #expect(client.lines.contains { $0.contains("24 80") }, "uWSGI's default size on a raw listener: \(client.logTail)")
                input.fileHandleForWriting.write(Data("exit\n".utf8))
                #expect(try await client.waitForExit(timeout: .seconds(10)) == .exited(0))
            }
        }

        @Test("100 sequential sessions (exit and hang-up) leave fleetrouter with no zombie and its descriptors as before")
        func hundredSessions() async throws {
            try await InteropFleet.run { fleet in
                let router = try await fleet.startRouter(["--forkptyurouter", "127.0.0.1:0", "--forkptyrouter-stats", "127.0.0.1:0"])
                let listener = try fleet.listener("forkptyrouter")
                let pid = router.process.pid
                // One session first: the process sets up its signal handling (a signalfd per
                // signal) just after it says ready, and that must not count as a leak.
                try await offload { try Self.session(100, on: listener) }
                let before = try Self.descriptors(of: pid)
                try await offload {
                    for index in 0..<100 { try Self.session(index, on: listener) }
                }
                let stats = try fleet.stats("forkptyrouter")
                try await stats.wait("no pty session left") { $0.activeSessions == 0 && $0.sessions?.isEmpty == true }
                try await offload {
                    let deadline = ContinuousClock.now + .seconds(10)
                    while try !Self.children(of: pid).isEmpty || Self.descriptors(of: pid) != before {
                        guard ContinuousClock.now < deadline else {
                            throw InteropError("children left: \(try Self.children(of: pid)); descriptors before \(before), after \(try Self.descriptors(of: pid))")
                        }
                        usleep(20_000)
                    }
                }
            }
        }

        // MARK: helpers

        /// One framed session: even ones end by the child's exit, odd ones by the client's close.
        static func session(_ index: Int, on listener: Endpoint) throws {
            let deadline = ContinuousClock.now + .seconds(10)
            let socket = try BlockingSocket.connect(to: listener)
            let line = "echo n=$((\(index)+1000))" + (index % 2 == 0 ? "; exit\n" : "\n")
            try socket.send(Self.frame(line), deadline: deadline)
            var output = ""
            while !output.contains("n=\(index + 1000)\r\n") {
                let chunk = try socket.receive(deadline: deadline)
                guard !chunk.isEmpty else { throw InteropError("session \(index) closed early: \(output)") }
                output += String(decoding: chunk, as: UTF8.self)
            }
            if index % 2 == 0 { _ = try socket.receiveToEnd(deadline: deadline) }
        }

        static func startUwsgiForkpty(_ fleet: InteropFleet, _ listener: [String]) async throws -> ManagedProcess {
            let process = try await ManagedProcess.launch(
                name: "uwsgi-forkpty", executable: URL(fileURLWithPath: try Uwsgi.require()),
                arguments: ["--plugin", "forkptyrouter", "--master", "--die-on-term", "--strict"] + listener,
                directory: fleet.directory.url)
            try await process.waitForLine(containing: "spawned uWSGI forkptyrouter 1")
            return process
        }

        static func frame(_ line: String) -> [UInt8] {
            var buffer = ByteBuffer()
            try? ForkptyFrameEncoder.write(.input(ByteBuffer(string: line)), into: &buffer)
            return Array(buffer.readableBytesView)
        }

        /// The descriptors `pid` has open (their count and what they point at).
        static func descriptors(of pid: Int32) throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
            return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
                .map { $0.hasPrefix("socket:") ? "socket" : $0 }.sorted()
        }

        /// The children of `pid` (zombies included) over all its threads.
        static func children(of pid: Int32) throws -> [String] {
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
            return tasks.flatMap { task in
                (ProcFile.contents(of: "/proc/\(pid)/task/\(task)/children") ?? "").split(separator: " ").map(String.init)
            }
        }
    }
}
