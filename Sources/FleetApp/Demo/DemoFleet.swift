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
    /// What help suggests trying (empty for a fleet without suggestions).
    public var tips: [String] = []
    /// Stops whatever runs the fleet; the embedded fleet's stop returns within about 15 s
    /// however loaded the machine is (its connections close at once, each step is bounded).
    public var stop: @Sendable () async -> Void
    /// Every socket the embedded fleet bound (routers and nodes), for tests of `stop`.
    var boundSockets: [String] = []
    /// The embedded fleet's `stop`, returning the steps it gave up waiting for (empty when
    /// everything it started had ended), for tests of `stop`.
    var stopReporting: (@Sendable () async -> [String])?

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

    /// The top of `?` help in the demo: what to try.
    public static let tips = [
        "This is the demo fleet: three real routers on loopback, and edits apply for real. Try:",
        "  Enter on demo-http, pick a node, d to drain it (y confirms; Enter alone is No), u to undrain",
        "  c on a router to cycle its cheap mode (on stops its listeners; y confirms)",
        "  Enter on a router's node list opens its connections: a slow stream, a WebSocket echo, a raw session",
        "  once a minute one node stops announcing: its SEEN grows, it expires, then comes back",
    ]

    /// How the embedded fleet is paced; tests shorten it so they need not wait a minute.
    public struct Options: Sendable {
        /// Seconds without an announce before the routers expire a node (`--subscription-tolerance`).
        public var tolerance: Int
        /// How often every node re-announces.
        public var announcePeriod: Duration
        /// When one node falls silent, and for how long.
        var outage: DemoOutage.Schedule
        /// How `/stream` responses are paced.
        var stream: DemoNodeServer.StreamPace
        /// How the long-lived WebSocket and raw sessions are paced.
        var sessions: DemoSessions.Pace
        /// How long a stopping router's services may ignore cancellation before ServiceLifecycle
        /// ends the process (tests under a sanitizer stretch it; see `ControlPlane.serviceGroup`).
        var cancellationBackstop: Duration = .seconds(10)
        /// The demo's fleet control's bound on each call, in seconds (tests under a sanitizer
        /// stretch it).
        var callTimeout: Double = 2
        /// How many times its usual shares `stop` gives each step (tests under a sanitizer
        /// stretch it; see `DemoFleet.stopLimit`).
        var stopStretch: Int = 1

        /// The demo as a person watches it: a node falls silent for 20 s once a minute.
        public static let standard = Options(
            tolerance: 8, announcePeriod: .seconds(2), outage: .standard, stream: .standard, sessions: .standard)

        /// An outage every `outagePeriod` lasting `outageLength`, with `tolerance` seconds of
        /// subscription tolerance and announces every `announcePeriod`; the sessions as standard.
        public init(tolerance: Int, announcePeriod: Duration, outagePeriod: Duration, outageLength: Duration) {
            self.init(tolerance: tolerance, announcePeriod: announcePeriod,
                      outage: .init(period: outagePeriod, length: outageLength), stream: .standard, sessions: .standard)
        }

        init(tolerance: Int, announcePeriod: Duration, outage: DemoOutage.Schedule,
             stream: DemoNodeServer.StreamPace, sessions: DemoSessions.Pace) {
            self.tolerance = tolerance
            self.announcePeriod = announcePeriod
            self.outage = outage
            self.stream = stream
            self.sessions = sessions
        }
    }

    /// Starts the embedded fleet in this process: an HTTP router (subscription server, stats on a
    /// unix socket, admin API with a token file, WebSocket pass-through), a fast router
    /// (subscription server on a unix socket) and a raw router with two static echo nodes, all
    /// on loopback in a private temporary directory; four application nodes subscribed under two
    /// keys with different weights, re-announcing every `announcePeriod`, one of them falling
    /// silent once per outage period; a light traffic generator; and long-lived sessions (slow
    /// streams, a WebSocket echo, a raw session). Router logs are dropped.
    public static func startEmbedded(_ options: Options = .standard) async throws -> DemoFleet {
        let directory = try await NIOThreadPool.singleton.runIfActive { try DemoDirectory.create() }
        let nodeGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var started = Started(directory: directory, nodeGroup: nodeGroup)
        started.stopStretch = max(1, options.stopStretch)
        do {
            var applications: [(key: String, weight: UInt64, server: DemoNodeServer)] = []
            for (key, weights) in subscriptions {
                for (index, weight) in weights.enumerated() {
                    let name = "\(key.prefix { $0 != "." })-\(index + 1)"
                    let server = try await DemoNodeServer.start(
                        .application(name: name, stream: options.stream), group: nodeGroup, channels: started.channels)
                    applications.append((key, weight, server))
                }
            }
            let echoes = [try await DemoNodeServer.start(.echo, group: nodeGroup, channels: started.channels),
                          try await DemoNodeServer.start(.echo, group: nodeGroup, channels: started.channels)]
            started.nodes = applications.map(\.server) + echoes

            let arguments = [
                "--subscription-tolerance", String(options.tolerance),
                "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0", "--http-websockets",
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
                handleSignals: false, announce: { _ in }, cancellationBackstop: options.cancellationBackstop)
            started.process = process
            started.tasks.append(Task { try? await process.run() })

            func bound(_ role: FleetRouterProcess.BoundSocket.Role, _ router: String?) throws -> String {
                guard let address = process.boundAddress(role, router: router) else {
                    throw DemoFleetError(message: "the demo's \(router ?? "admin") \(role.rawValue) socket was not bound")
                }
                return address
            }
            let outage = DemoOutage(schedule: options.outage)
            let announcer = try DemoAnnouncer(
                subscriptions: applications.map { .init(key: $0.key, node: $0.server.address, weight: $0.weight) },
                servers: [try bound(.subscription, "http"), try bound(.subscription, "fastrouter")],
                period: options.announcePeriod, outage: outage)
            announcer.announce()
            started.tasks.append(Task { await announcer.run() })
            // A let, not the `applications` var: a task may not capture a var (a sanitizer build's
            // region analysis rejects it).
            let nodeCount = applications.count
            started.tasks.append(Task { await outage.run(nodeCount: nodeCount) { _ = announcer.announce() } })

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
                rawrouter: try hostPort(bound(.listener, "rawrouter")), keys: subscriptions.map(\.key), group: nodeGroup,
                channels: started.channels)
            started.tasks.append(Task { await traffic.run() })
            let sessions = DemoSessions(
                http: try hostPort(bound(.listener, "http")), fastrouter: try hostPort(bound(.listener, "fastrouter")),
                rawrouter: try hostPort(bound(.listener, "rawrouter")), keys: subscriptions.map(\.key),
                pace: options.sessions, group: nodeGroup, channels: started.channels)
            started.tasks.append(Task { await sessions.run() })

            let control = FleetServices.control(timeout: options.callTimeout)
            await waitForSubscriptions(endpoints: endpoints, nodes: applications.count * 2, control: control)
            let running = started
            let stopping: @Sendable () async -> [String] = { await running.stop() }
            var fleet = DemoFleet(endpoints: endpoints, control: control, note: embeddedNote, stop: { _ = await stopping() })
            fleet.stopReporting = stopping
            fleet.tips = tips
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
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        for _ in 0..<100 where clock.now < deadline {
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
        /// Every connection the demo's clients opened and its nodes accepted.
        var channels = DemoChannels()
        var nodes: [DemoNodeServer] = []
        var process: FleetRouterProcess?
        /// The router process's `run()` first, then the announcer, outage, traffic and sessions.
        var tasks: [Task<Void, Never>] = []

        /// `stop`'s limit and each step's share are this many times the usual ones.
        var stopStretch = 1

        /// Stops everything within about `stopStretch × DemoFleet.stopLimit` however loaded the
        /// machine is: each step waits for what it undoes only until its share of the deadline,
        /// so a stream, a peer or a loop that is slow to finish cannot hold the caller. Returns
        /// the steps given up on.
        @discardableResult
        func stop() async -> [String] {
            let clock = ContinuousClock()
            let deadline = clock.now + DemoFleet.stopLimit * stopStretch
            func remaining(_ share: Duration) -> Duration { max(.zero, min(share * stopStretch, deadline - clock.now)) }
            var givenUp: [String] = []
            func bounded(_ step: String, _ share: Duration, _ work: @escaping @Sendable () async -> Void) async {
                if await !BoundedWait.run(within: remaining(share), work) { givenUp.append(step) }
            }
            // Traffic and announces first, so nothing new reaches routers that are closing;
            // their connections close now rather than when each loop next looks at cancellation.
            let loops = tasks.dropFirst(process == nil ? 0 : 1)
            for task in loops { task.cancel() }
            let channels = self.channels
            await bounded("closing the demo's connections", .seconds(2)) { await channels.closeAll() }
            await bounded("the traffic, announce and session loops", .seconds(2)) {
                for task in loops { await task.value }
            }
            if let process {
                // The router's own grace (200 ms) and service-group limits bound this already.
                await bounded("the routers' shutdown", .seconds(8)) { await process.shutdown() }
            }
            let nodes = self.nodes
            await bounded("the nodes' listeners", .seconds(2)) {
                for node in nodes { await node.stop() }
            }
            // No exchange may still need the loops when they shut down (see `DemoChannels`): the
            // group shuts down when the last one ends, which closeAll made the next thing each
            // does; past its share the stop goes on and the shutdown follows on its own.
            let nodeGroup = self.nodeGroup
            await bounded("the nodes' event loop", .seconds(4)) {
                await withCheckedContinuation { (stopped: CheckedContinuation<Void, Never>) in
                    channels.shutDown(nodeGroup) { stopped.resume() }
                }
            }
            let directory = self.directory
            await bounded("removing the temporary directory", .seconds(1)) {
                try? await NIOThreadPool.singleton.runIfActive { directory.remove() }
            }
            return givenUp
        }
    }

    /// The longest `stop` takes (times `Options.stopStretch`): routers, nodes, loops and files
    /// are given up on after this.
    static let stopLimit: Duration = .seconds(15)
}

/// The demo fleet could not start.
public struct DemoFleetError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { "demo fleet: \(message)" }
}
