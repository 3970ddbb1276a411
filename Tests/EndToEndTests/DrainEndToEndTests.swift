import FleetClient
import FleetModel
import Foundation
import Logging
import NIOCore
import NIOPosix
import RouterConfig
import RouterRuntime
import RouterWire
import Testing
@testable import FleetApp
import TUICore
import RouterCoreTesting

extension Trait where Self == ConditionTrait {
    /// Runs when uWSGI and its python3 plugin are installed; in CI always (a missing one fails).
    static var requiresUwsgi: Self {
        .enabled(if: Prerequisites.uwsgiEnabled, Comment(rawValue:
            "uWSGI is not installed (missing: \(Prerequisites.uwsgiMissing.joined(separator: ", "))); set CI=true to make this a failure"))
    }
}

@Suite("End to end: fleetrouter, real uWSGI nodes, the dashboard drains one", .serialized, .timeLimit(.minutes(5)))
struct DrainEndToEndTests {
    @Test("d y on a node: frames show it draining then drained, and the router sends it no new request", .requiresUwsgi)
    func drainThroughTheDashboard() async throws {
        let uwsgi = try Prerequisites.requireUwsgi()
        let directory = try EndToEndDirectory()
        defer { directory.remove() }
        let app = try directory.copyApp()
        let tokenFile = try directory.write("e2e-token-\(UInt64.random(in: 0...UInt64.max))\n", to: "admin.token")

        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0", "--http-stats", "127.0.0.1:0",
            "--admin", "127.0.0.1:0", "--admin-token-file", tokenFile,
        ]) { _ in "" }
        let router = try await FleetRouterProcess.start(
            configuration: configuration, logger: Logger(label: "e2e", factory: { _ in SwiftLogNoOpLogHandler() }),
            shutdownGrace: .milliseconds(500), handleSignals: false, announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        let serving = Task { try? await router.run() }
        let nodes = ChildProcessList()
        // Cleanup is awaited here, not left to a task the test process might outlive: a uWSGI
        // master that is not stopped keeps running after the tests.
        let outcome: Result<Void, any Error>
        do {
            try await Self.scenario(router: router, nodes: nodes, uwsgi: uwsgi, app: app, directory: directory, tokenFile: tokenFile)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await nodes.stopAll()
        await router.shutdown()
        _ = await serving.value
        try outcome.get()
    }

    private static func scenario(
        router: FleetRouterProcess, nodes: ChildProcessList, uwsgi: String, app: String,
        directory: EndToEndDirectory, tokenFile: String
    ) async throws {
        let subscription = try #require(router.boundAddress(.subscription, router: "http"))
        let listener = try Self.hostPort(try #require(router.boundAddress(.listener, router: "http")))
        for index in 1...3 {
            nodes.add(try ChildProcess(executable: uwsgi, arguments: [
                "--plugin", "python3", "--master", "--die-on-term", "--strict",
                "--socket", directory.file("node\(index).sock"), "--wsgi-file", app, "--need-app",
                "--env", "NODE_NAME=node\(index)", "--processes", "1", "--subscribe-freq", "1",
                "--subscribe2", "server=\(subscription),key=app.local",
            ], logPath: directory.file("node\(index).log"), environment: ["PYTHONDONTWRITEBYTECODE": "1"]))
        }
        let endpoint = RouterEndpoint(
            name: "e2e-http", stats: try StatsAddress(parsing: try #require(router.boundAddress(.stats, router: "http"))),
            admin: try StatsAddress(parsing: try #require(router.boundAddress(.admin))), tokenFile: tokenFile)
        let control = FleetServices.control(timeout: 5 * Double(Slowdown.factor))
        let target = directory.file("node2.sock")

        // The nodes announce within a second or so of starting (bounded: 20 s).
        try await Self.waitForNodes(control, endpoint) { $0.count == 3 }
        // Two held requests per node (equal weights: round robin) keep node2 busy while it
        // drains, until the script releases them once a frame shows it draining: however slow
        // the machine or a sanitizer makes the steps, node2 cannot go idle before then.
        let group = MultiThreadedEventLoopGroup.singleton
        let release = directory.file("release")
        let heldPath = "/hold?file=\(release)"
        let slow = (0..<6).map { _ in
            Task { await DemoExchange.run(host: listener.host, port: listener.port, request: Self.request(heldPath), timeout: .seconds(180), group: group) }
        }
        try await Self.waitForNodes(control, endpoint) { nodes in nodes.first { $0.name == target }.map { $0.ref > 0 } ?? false }

        let node2Row: @Sendable (String) -> Substring? = { screen in screen.split(separator: "\n").first { $0.contains("node2.sock") } }
        let steps: [ScriptStep] = [
            .waitFor { $0.snapshots >= 1 }, .key(.enter), .key(.char("/")), .type("node2"), .key(.enter),
            .key(.char("d")), .key(.char("y")), .waitFor { $0.editsFinished >= 1 },
            // A frame per poll (4 per second) until node2 shows draining (or, wrongly, drained).
            .captureUntil(limit: 240) { screen in node2Row(screen)?.contains("drain") == true },
            .run { _ = FileManager.default.createFile(atPath: release, contents: Data()) },
            // Then until it shows drained, once its held requests are answered.
            .captureUntil(limit: 240) { screen in node2Row(screen)?.contains("drained") == true },
        ]
        let session = await runSession(steps, control: control, endpoints: [endpoint], interval: 0.25)
        // Released in any case, so a session that ended early leaves no request held.
        _ = FileManager.default.createFile(atPath: release, contents: Data())
        #expect(session.waitsTimedOut == 0)
        #expect(session.editsStarted == 1)
        let states = session.captures.compactMap { screen -> String? in
            let row = node2Row(screen)
            if row?.contains("draining") == true { return "draining" }
            if row?.contains("drained") == true { return "drained" }
            return nil
        }
        let firstDrained = try #require(states.firstIndex(of: "drained"), "no frame shows node2 drained: \(session.screen)")
        #expect(states.first == "draining", "the first frames after the drain show node2 draining: \(states)")
        #expect(states[firstDrained...].allSatisfy { $0 == "drained" }, "\(states)")
        for task in slow { _ = await task.value }

        // Every new request lands on node1 or node3.
        var answeredBy: [String: Int] = [:]
        for _ in 0..<12 {
            let reply = await DemoExchange.run(host: listener.host, port: listener.port, request: Self.request("/"), timeout: .seconds(10), group: group)
            let text = String(buffer: reply)
            let node = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("X-Node: ") }.map { String($0.dropFirst(8)) } ?? "no answer: \(text)"
            answeredBy[node, default: 0] += 1
        }
        #expect(answeredBy["node2"] == nil, "\(answeredBy)")
        #expect(answeredBy.keys.sorted() == ["node1", "node3"], "\(answeredBy)")
    }

    static func request(_ path: String) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n")
    }

    /// Polls the router (at most 400 times, 50 ms apart) until its app.local nodes satisfy `done`.
    static func waitForNodes(
        _ control: NIOFleetControl, _ endpoint: RouterEndpoint, until done: ([StatsDocument.Node]) -> Bool
    ) async throws {
        var last = "no poll"
        for _ in 0..<400 {
            switch await control.poll(endpoint, timeout: .seconds(2)) {
            case let .success(document):
                let nodes = document.subscriptions?.first { $0.key == "app.local" }?.nodes ?? []
                if done(nodes) { return }
                last = nodes.map { "\($0.name) ref=\($0.ref)" }.joined(separator: ", ")
            case let .failure(error):
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EndToEndError("router's nodes never reached the expected state; last: \(last)")
    }

    static func hostPort(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw EndToEndError("\(address) is not host:port")
        }
        return (String(address[..<colon]), port)
    }
}
