import FleetClient
import FleetModel
import Foundation
import Logging
import NIOCore
import NIOPosix
import RouterConfig
import RouterRuntime
import RouterWire

/// A fleet to show when no router is named: its routers, how to reach them, and how to stop it.
public struct DemoFleet: Sendable {
    /// The routers.
    public var endpoints: [RouterEndpoint]
    /// How to poll and edit them.
    public var control: any FleetControl
    /// A line for the status bar saying what this fleet is.
    public var note: String
    /// Stops whatever runs the fleet.
    public var stop: @Sendable () async -> Void
    /// Every socket the embedded fleet bound (routers and nodes), for tests of `stop`.
    var boundSockets: [String] = []

    /// Creates a demo fleet.
    public init(endpoints: [RouterEndpoint], control: any FleetControl, note: String, stop: @escaping @Sendable () async -> Void) {
        self.endpoints = endpoints
        self.control = control
        self.note = note
        self.stop = stop
    }

    /// The status line of the embedded fleet.
    public static let embeddedNote = "demo fleet: 3 routers on loopback; edits apply for real"

    /// The subscription keys and the weights their nodes announce.
    static let subscriptions: [(key: String, weights: [UInt64])] = [("app.local", [1, 2]), ("api.local", [3, 1])]

    /// Starts the embedded fleet in this process: an HTTP router (subscription server, stats on a
    /// unix socket, admin API with a token file), a fast router (subscription server on a unix
    /// socket) and a raw router with two static echo nodes, all on loopback in a private
    /// temporary directory; four application nodes subscribed under two keys with different
    /// weights, re-announcing every 3 s; and a light traffic generator. Router logs are dropped.
    public static func startEmbedded() async throws -> DemoFleet {
        let directory = try await NIOThreadPool.singleton.runIfActive { try DemoDirectory.create() }
        let nodeGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var started = Started(directory: directory, nodeGroup: nodeGroup)
        do {
            var applications: [(key: String, weight: UInt64, server: DemoNodeServer)] = []
            for (key, weights) in subscriptions {
                for (index, weight) in weights.enumerated() {
                    let name = "\(key.prefix { $0 != "." })-\(index + 1)"
                    let server = try await DemoNodeServer.start(.application(name: name), group: nodeGroup)
                    applications.append((key, weight, server))
                }
            }
            let echoes = [try await DemoNodeServer.start(.echo, group: nodeGroup), try await DemoNodeServer.start(.echo, group: nodeGroup)]
            started.nodes = applications.map(\.server) + echoes

            let arguments = [
                "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0",
                "--http-stats", directory.path("http.stats"),
                "--admin", "127.0.0.1:0", "--admin-token-file", directory.tokenFile,
                "--fastrouter", "127.0.0.1:0", "--fastrouter-subscription-server", directory.path("fastrouter.subscribe"),
                "--fastrouter-stats", "127.0.0.1:0",
                "--rawrouter", "127.0.0.1:0", "--rawrouter-stats", "127.0.0.1:0",
            ] + echoes.flatMap { ["--rawrouter-to", $0.address] }
            let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { path in
                throw DemoFleetError(message: "the demo reads no configuration file (\(path))")
            }
            let logger = Logger(label: "fleettop.demo", factory: { _ in SwiftLogNoOpLogHandler() })
            let process = try await FleetRouterProcess.start(
                configuration: configuration, logger: logger, shutdownGrace: .milliseconds(200),
                handleSignals: false, announce: { _ in })
            started.process = process
            started.tasks.append(Task { try? await process.run() })

            func bound(_ role: FleetRouterProcess.BoundSocket.Role, _ router: String?) throws -> String {
                guard let address = process.boundAddress(role, router: router) else {
                    throw DemoFleetError(message: "the demo's \(router ?? "admin") \(role.rawValue) socket was not bound")
                }
                return address
            }
            let announcer = try DemoAnnouncer(
                subscriptions: applications.map { .init(key: $0.key, node: $0.server.address, weight: $0.weight) },
                servers: [try bound(.subscription, "http"), try bound(.subscription, "fastrouter")],
                period: .seconds(3))
            announcer.announce()
            started.tasks.append(Task { await announcer.run() })

            let admin = try StatsAddress(parsing: try bound(.admin, nil))
            let endpoints = [
                RouterEndpoint(name: "demo-http", stats: try StatsAddress(parsing: try bound(.stats, "http")),
                               admin: admin, tokenFile: directory.tokenFile,
                               subscriptionServer: try StatsAddress(parsing: try bound(.subscription, "http")), tags: ["demo"]),
                RouterEndpoint(name: "demo-fast", stats: try StatsAddress(parsing: try bound(.stats, "fastrouter")),
                               admin: admin, tokenFile: directory.tokenFile,
                               subscriptionServer: try StatsAddress(parsing: try bound(.subscription, "fastrouter")), tags: ["demo"]),
                RouterEndpoint(name: "demo-raw", stats: try StatsAddress(parsing: try bound(.stats, "rawrouter")),
                               admin: admin, tokenFile: directory.tokenFile, tags: ["demo"]),
            ]
            let traffic = DemoTraffic(
                http: try hostPort(bound(.listener, "http")), fastrouter: try hostPort(bound(.listener, "fastrouter")),
                rawrouter: try hostPort(bound(.listener, "rawrouter")), keys: subscriptions.map(\.key), group: nodeGroup)
            started.tasks.append(Task { await traffic.run() })

            let control = FleetServices.control(timeout: 2)
            await waitForSubscriptions(endpoints: endpoints, nodes: applications.count * 2, control: control)
            let running = started
            var fleet = DemoFleet(endpoints: endpoints, control: control, note: embeddedNote, stop: { await running.stop() })
            fleet.boundSockets = process.boundSockets.map(\.bound) + started.nodes.map(\.address)
            return fleet
        } catch {
            await started.stop()
            throw error
        }
    }

    /// Waits (at most about 2 s) until the routers list every announced node, so the first
    /// frame shows them; the announces are datagrams the routers take in on their own loops.
    private static func waitForSubscriptions(endpoints: [RouterEndpoint], nodes: Int, control: NIOFleetControl) async {
        for _ in 0..<100 {
            let results = await control.pollOnce(endpoints, timeout: .seconds(1))
            let listed = results.values.reduce(0) { sum, result in
                sum + ((try? result.get())?.subscriptions?.reduce(0) { $0 + $1.nodes.count } ?? 0)
            }
            if listed >= nodes { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func hostPort(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw DemoFleetError(message: "the demo's listener address \(address) is not host:port")
        }
        return (String(address[..<colon]), port)
    }

    /// What has been started so far, so a failure or `stop` undoes exactly that.
    private struct Started: Sendable {
        var directory: DemoDirectory
        var nodeGroup: MultiThreadedEventLoopGroup
        var nodes: [DemoNodeServer] = []
        var process: FleetRouterProcess?
        var tasks: [Task<Void, Never>] = []

        func stop() async {
            // Traffic and announces first, so nothing new reaches routers that are closing.
            for task in tasks.dropFirst(process == nil ? 0 : 1) { task.cancel() }
            for task in tasks.dropFirst(process == nil ? 0 : 1) { await task.value }
            await process?.shutdown()
            for node in nodes { await node.stop() }
            try? await nodeGroup.shutdownGracefully()
            let directory = self.directory
            try? await NIOThreadPool.singleton.runIfActive { directory.remove() }
        }
    }
}

/// The demo fleet could not start.
public struct DemoFleetError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { "demo fleet: \(message)" }
}
