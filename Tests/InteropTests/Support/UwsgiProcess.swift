import Foundation

/// A real uWSGI 2.0.21 process started for one test: a Python app node announcing itself to
/// subscription servers, or a router (HTTP or raw). Every uWSGI runs with `--master --die-on-term
/// --strict` (a SIGTERM to a 2.0 master otherwise means "brutal reload", and `--strict` turns
/// a mistyped option into an error instead of a silent no-op).
final class UwsgiProcess: Sendable {
    /// Name in failure messages and, for nodes, the `NODE_NAME` the app answers with (`X-Node`).
    let name: String
    /// The process (its group holds the master and its workers or gateways).
    let process: ManagedProcess
    /// For a node: its uwsgi socket, which is also the address it announces.
    let socketPath: String?
    /// For a node: how many `subscribing to …` lines its first announce prints.
    private let subscriptionCount: Int
    /// For a router: its gateway's name in uWSGI's log (`http`, `rawrouter`).
    private let gateway: String?
    /// For a router: whether it runs a stats server.
    private let hasStats: Bool

    private init(
        name: String, process: ManagedProcess, socketPath: String?, subscriptionCount: Int = 0,
        gateway: String? = nil, hasStats: Bool = false
    ) {
        self.name = name
        self.process = process
        self.socketPath = socketPath
        self.subscriptionCount = subscriptionCount
        self.gateway = gateway
        self.hasStats = hasStats
    }

    private static let common = ["--master", "--die-on-term", "--strict"]

    /// Starts an app node on the unix socket `<directory>/<name>.sock` (no port to race for),
    /// serving `app.py` with two workers, announcing `key` (with `weight` when given) to every
    /// server every second. The app must already be in `directory` (`copyApp()`).
    static func node(
        _ name: String, in directory: TemporaryDirectory, subscribingTo servers: [Endpoint],
        key: String = "app.local", weight: Int? = nil, processes: Int = 2, sign: String? = nil, subscribeItems: String? = nil
    ) async throws -> UwsgiProcess {
        let socket = directory.file("\(name).sock")
        var arguments = ["--plugin", "python3"] + common + [
            "--socket", socket,
            "--wsgi-file", directory.file("app.py"), "--need-app",
            "--env", "NODE_NAME=\(name)",
            "--processes", String(processes),
            "--subscribe-freq", "1",
        ]
        for server in servers {
            // --subscribe2 carries weight=W in every announce from the first; 2.0's
            // --subscribe-to would send --weight and pick W up only from its second (§2.4).
            var spec = "server=\(server),key=\(key)"
            if let weight { spec += ",weight=\(weight)" }
            // `DIGEST:private.pem`: the node signs every announce.
            if let sign { spec += ",sign=\(sign)" }
            // More `--subscribe2` items (`sni_key=…,sni_crt=…`).
            if let subscribeItems { spec += ",\(subscribeItems)" }
            arguments += ["--subscribe2", spec]
        }
        let process = try await ManagedProcess.launch(
            name: name, executable: URL(fileURLWithPath: try Uwsgi.require()), arguments: arguments,
            directory: directory.url, environment: ["PYTHONDONTWRITEBYTECODE": "1"]
        )
        return UwsgiProcess(name: name, process: process, socketPath: socket, subscriptionCount: servers.count)
    }

    /// Starts a uWSGI HTTP router (`--plugin http`) with the given listener and, optionally, a
    /// subscription server, a stats server and static nodes.
    static func httpRouter(
        _ name: String = "uwsgi-http", in directory: TemporaryDirectory, listener: String,
        subscriptionServer: String? = nil, stats: String? = nil, staticNodes: [String] = [], extra: [String] = []
    ) async throws -> UwsgiProcess {
        var arguments = ["--plugin", "http"] + common + ["--http", listener]
        if let subscriptionServer { arguments += ["--http-subscription-server", subscriptionServer, "--subscription-tolerance", "17"] }
        if let stats { arguments += ["--http-stats", stats] }
        for node in staticNodes { arguments += ["--http-to", node] }
        let process = try await ManagedProcess.launch(
            name: name, executable: URL(fileURLWithPath: try Uwsgi.require()), arguments: arguments + extra,
            directory: directory.url
        )
        return UwsgiProcess(name: name, process: process, socketPath: nil, gateway: "http", hasStats: stats != nil)
    }

    /// Starts a uWSGI raw router (`--plugin rawrouter`): TCP passthrough from `listener` to
    /// the static nodes `to`.
    static func rawRouter(_ name: String = "uwsgi-raw", in directory: TemporaryDirectory, listener: String, to nodes: [String]) async throws -> UwsgiProcess {
        var arguments = ["--plugin", "rawrouter"] + common + ["--rawrouter", listener]
        for node in nodes { arguments += ["--rawrouter-to", node] }
        let process = try await ManagedProcess.launch(
            name: name, executable: URL(fileURLWithPath: try Uwsgi.require()), arguments: arguments, directory: directory.url
        )
        return UwsgiProcess(name: name, process: process, socketPath: nil, gateway: "rawrouter")
    }

    /// The announced address of a node.
    var address: String { socketPath ?? name }

    /// A node: waits until its master has sent its first announce to every server (it prints
    /// `subscribing to server=…` as it does). The router may still be processing the packets.
    func waitUntilAnnounced(timeout: Duration = .seconds(20)) async throws {
        var after = 0
        for _ in 0..<subscriptionCount {
            let line = try await process.waitForLine(containing: "subscribing to server=", after: after, timeout: timeout)
            after = line.index + 1
        }
    }

    /// A router: waits until its gateway process runs (and its stats server, when configured).
    func waitUntilRouting(timeout: Duration = .seconds(20)) async throws {
        try await process.waitForLine(containing: "spawned uWSGI \(gateway ?? "http") 1", timeout: timeout)
        if hasStats {
            try await process.waitForLine(containing: "\(gateway ?? "http") stats server enabled on", timeout: timeout)
        }
    }

    /// SIGINT to the master: uWSGI sends its unsubscribe packets, then shuts down (≈ 1 s).
    func interrupt() {
        process.signal(SIGINT)
    }

    /// SIGKILL to master and workers at once (a crash: nothing is sent), then waits until every
    /// process is gone, so the node's socket refuses connections from here on.
    func crash() async throws {
        try await process.killGroup()
    }

    /// Teardown: SIGKILL the whole instance (the test is over, nobody needs its unsubscribe).
    func terminate() async {
        try? await process.killGroup()
    }
}
