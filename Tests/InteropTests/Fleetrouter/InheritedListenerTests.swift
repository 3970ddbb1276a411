import DataPlaneTesting
import Foundation
import Testing

extension Interop {
    /// Listeners fleetrouter does not bind itself: sockets from a real uWSGI zerg server
    /// (`--http-zerg`), and systemd socket activation (`LISTEN_FDS`, `fd://N` or matched by address).
    @Suite("fleetrouter serves on zerg and socket-activated listeners", .requiresFleetrouter, .everyTransport)
    struct InheritedListenerTests {
        /// The router's subscription and stats servers, besides the listener options under test.
        static let servers = ["--http-subscription-server", "127.0.0.1:0", "--http-stats", "127.0.0.1:0"]

        /// Subscribes one node to the running router and checks a request through its listener
        /// reaches it.
        static func servesThroughListener(_ fleet: InteropFleet) async throws {
            try await subscribeNode(fleet)
            try await expectServed(try fleet.listener())
        }

        /// Starts node1 announcing app.local to `router`'s subscription server and waits until
        /// its stats list it.
        static func subscribeNode(_ fleet: InteropFleet, router: String = "http") async throws {
            let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [try fleet.subscriptionServer(router)])
            try await fleet.waitForSubscribed(nodes, on: try fleet.stats(router))
        }

        /// Three GETs of app.local through `endpoint` are answered by node1.
        static func expectServed(_ endpoint: Endpoint) async throws {
            let responses = try await offload { try (0..<3).map { _ in try HTTPClient.get(endpoint) } }
            #expect(responses.map { "\($0.status) \($0.text)" } == Array(repeating: "200 hello from node1\n", count: 3))
        }

        @Test("--http-zerg takes the TCP listener of a real uWSGI zergpool and serves on it; the pool itself serves nothing")
        func zergFromUwsgi() async throws {
            try await InteropFleet.run { fleet in
                let path = fleet.directory.file("zerg.sock")
                let pool = try await ManagedProcess.launch(
                    name: "uwsgi-zergpool", executable: URL(fileURLWithPath: try Uwsgi.require()),
                    arguments: ["--plugin", "zergpool", "--master", "--zergpool", "\(path):127.0.0.1:0"],
                    directory: fleet.directory.url)
                do {
                    try await pool.waitForLine(containing: "spawned uWSGI zergpool 1", timeout: .seconds(20))
                    let router = try await fleet.startRouter(["--http-zerg", path] + Self.servers)
                    let listener = try router.endpoint(.listener, of: "http")
                    #expect(router.arguments.contains("--http-zerg"))
                    #expect(router.process.lines.contains { $0.hasPrefix("fleetrouter: http listening on fd://") && $0.contains("bound 127.0.0.1:") },
                            "\(router.process.logTail)")
                    #expect("\(listener)".hasPrefix("127.0.0.1:"))
                    try await Self.servesThroughListener(fleet)
                } catch {
                    _ = await pool.stop(with: SIGINT)
                    throw error
                }
                _ = await pool.stop(with: SIGINT)
            }
        }

        /// Starts a real uWSGI instance whose master hands its one socket (`socketOption`, on a
        /// port the kernel picks) to zerg clients at `path`; returns it and the socket's address.
        static func startZergServer(at path: String, socketOption: String, in fleet: InteropFleet) async throws -> (ManagedProcess, Endpoint) {
            let server = try await ManagedProcess.launch(
                name: "uwsgi-zerg-server", executable: URL(fileURLWithPath: try Uwsgi.require()),
                arguments: ["--master", "--strict", "--zerg-server", path, socketOption, "127.0.0.1:0", "--processes", "1"],
                directory: fleet.directory.url)
            do {
                try await server.waitForLine(containing: "Zerg server enabled on \(path)", timeout: .seconds(20))
                let bound = try await server.waitForLine(containing: "bound to TCP address 127.0.0.1:", timeout: .seconds(5))
                // "uwsgi socket 0 bound to TCP address 127.0.0.1:PORT (port auto-assigned) fd 3"
                let port = bound.text.components(separatedBy: "127.0.0.1:").last?.prefix { $0.isNumber } ?? ""
                guard let port = Int(port) else { throw InteropError("no port in '\(bound.text)'") }
                return (server, try Endpoint(parsing: "127.0.0.1:\(port)"))
            } catch {
                _ = await server.stop(with: SIGINT)
                throw error
            }
        }

        @Test("--http-zerg: a real uWSGI --zerg-server passes its --http-socket; with uWSGI gone, fleetrouter serves that address")
        func httpZergFromUwsgiZergServer() async throws {
            try await InteropFleet.run { fleet in
                let path = fleet.directory.file("zerg-server.sock")
                let (server, passed) = try await Self.startZergServer(at: path, socketOption: "--http-socket", in: fleet)
                do {
                    let router = try await fleet.startRouter(["--http-zerg", path] + Self.servers)
                    #expect(try router.endpoint(.listener, of: "http") == passed, "\(router.process.logTail)")
                    try await Self.subscribeNode(fleet)
                } catch {
                    _ = await server.stop(with: SIGINT)
                    throw error
                }
                // The instance that bound the socket is gone: only fleetrouter holds it now, so
                // whatever answers on its address is fleetrouter.
                let ended = await server.stop(with: SIGINT, grace: .seconds(20))
                #expect(ended != nil, "the uWSGI zerg server did not exit")
                try await Self.expectServed(passed)
            }
        }

        @Test("--fastrouter-zerg: a real uWSGI --zerg-server passes its uwsgi --socket; with uWSGI gone, fleetrouter's fast router serves it")
        func fastrouterZergFromUwsgiZergServer() async throws {
            try await InteropFleet.run { fleet in
                let path = fleet.directory.file("zerg-server.sock")
                let (server, passed) = try await Self.startZergServer(at: path, socketOption: "--socket", in: fleet)
                do {
                    let router = try await fleet.startRouter([
                        "--fastrouter-zerg", path, "--fastrouter-subscription-server", "127.0.0.1:0", "--fastrouter-stats", "127.0.0.1:0",
                    ])
                    #expect(try router.endpoint(.listener, of: "fastrouter") == passed, "\(router.process.logTail)")
                    try await Self.subscribeNode(fleet, router: "fastrouter")
                } catch {
                    _ = await server.stop(with: SIGINT)
                    throw error
                }
                let ended = await server.stop(with: SIGINT, grace: .seconds(20))
                #expect(ended != nil, "the uWSGI zerg server did not exit")
                // uwsgi-protocol clients reach the passed address through a uWSGI HTTP router.
                let front = Endpoint.unix(path: fleet.directory.file("front.sock"))
                try await fleet.startUwsgiHTTPRouter(listener: front.description, staticNodes: [passed.description])
                try await Self.expectServed(front)
            }
        }

        @Test("--http-zerg at a path nobody serves stops the start, naming the option and path")
        func zergServerMissing() async throws {
            try await InteropFleet.run { fleet in
                let path = fleet.directory.file("nobody-here.sock")
                do {
                    _ = try await FleetrouterProcess.start(["--http-zerg", path] + Self.servers, in: fleet.directory)
                    Issue.record("fleetrouter started without its zerg server")
                } catch {
                    #expect("\(error)".contains("--http-zerg \(path)': cannot connect to the zerg server"), "\(error)")
                }
            }
        }

        /// A python launcher that binds a TCP socket on 127.0.0.1 (port chosen by the kernel,
        /// not listening), puts it at descriptor 3, sets `LISTEN_FDS=1` and `LISTEN_PID` to its
        /// own pid, replaces `@PORT@` in the arguments and execs fleetrouter, as systemd does.
        static let systemdLauncher: (executable: URL, arguments: [String]) = (
            URL(fileURLWithPath: executableOnPath("python3") ?? "/usr/bin/python3"),
            ["-c", """
                import os, socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind(('127.0.0.1', 0))
                os.dup2(s.fileno(), 3)
                os.set_inheritable(3, True)
                os.environ['LISTEN_FDS'] = '1'
                os.environ['LISTEN_PID'] = str(os.getpid())
                port = str(s.getsockname()[1])
                argv = [a.replace('@PORT@', port) for a in sys.argv[1:]]
                os.execv(argv[0], argv)
                """])

        @Test("systemd socket activation: descriptor 3 is served as --http fd://3, or as the --http address it is bound to",
              arguments: ["fd://3", "127.0.0.1:@PORT@"])
        func socketActivation(listener: String) async throws {
            try await InteropFleet.run { fleet in
                let router = try await fleet.startRouter(["--http", listener] + Self.servers, launcher: Self.systemdLauncher)
                let bound = "\(try router.endpoint(.listener, of: "http"))"
                #expect(bound.hasPrefix("127.0.0.1:") && !bound.hasSuffix(":0"))
                if listener != "fd://3" {
                    // Binding the address itself would fail: the passed socket holds it.
                    #expect(router.process.lines.contains { $0.contains("listener adopted from systemd") && $0.contains("fd=3") }, "\(router.process.logTail)")
                }
                try await Self.servesThroughListener(fleet)
            }
        }
    }
}
