import Foundation
import RouterWire
import Testing

/// Everything one interop test starts: a temporary directory (app copy, admin token, state
/// file, unix sockets), at most one fleetrouter, real uWSGI nodes and routers. `run` always
/// tears it down, whatever the test did: fleetrouter by SIGINT (its exit must be 0), uWSGI
/// instances by SIGKILL of their whole process group, then the directory is removed.
final class InteropFleet {
    /// The test's directory.
    let directory: TemporaryDirectory
    /// The admin token written to `admin.token` (fixed: tests are deterministic).
    let token = "interop-admin-token-5d0c9e1a"
    /// The running fleetrouter.
    private(set) var router: FleetrouterProcess?
    /// Every app node started, in start order.
    private(set) var nodes: [UwsgiProcess] = []
    /// Real uWSGI routers started.
    private(set) var uwsgiRouters: [UwsgiProcess] = []

    private init() throws {
        directory = try TemporaryDirectory()
        _ = try directory.copyApp()
        try directory.write(token + "\n", to: FleetrouterArguments.tokenFile)
    }

    /// Runs `body` with a fresh fleet and tears it down afterwards. A thrown error gets the
    /// fleetrouter's recent output appended.
    static func run<T>(_ body: (InteropFleet) async throws -> T) async throws -> T {
        let fleet = try InteropFleet()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fleet))
        } catch {
            result = .failure(error)
        }
        let logs = fleet.router?.process.logTail ?? ""
        await fleet.shutdown()
        switch result {
        case .success(let value): return value
        case .failure(let error as InteropError): throw InteropError("\(error)\n\(logs)")
        case .failure(let error): throw error
        }
    }

    // MARK: fleetrouter

    /// Starts fleetrouter (stopping a running one first is the caller's business: see `restartRouter`),
    /// through `launcher` when given (see `FleetrouterProcess.start`).
    @discardableResult
    func startRouter(_ arguments: [String], launcher: (executable: URL, arguments: [String])? = nil) async throws -> FleetrouterProcess {
        let router = try await FleetrouterProcess.start(arguments, in: directory, launcher: launcher)
        self.router = router
        return router
    }

    /// Stops fleetrouter with SIGTERM (it must exit 0) and starts it again with `arguments`.
    @discardableResult
    func restartRouter(_ arguments: [String]) async throws -> FleetrouterProcess {
        let old = try runningRouter()
        let status = await old.stop(with: SIGTERM)
        guard status == .exited(0) else {
            throw InteropError("fleetrouter did not exit 0 on SIGTERM: \(status.map(\.description) ?? "still running after 10 s")\n\(old.process.logTail)")
        }
        router = nil
        return try await startRouter(arguments)
    }

    /// The running fleetrouter, or an error saying none was started.
    func runningRouter() throws -> FleetrouterProcess {
        guard let router else { throw InteropError("no fleetrouter was started in this test") }
        return router
    }

    /// The stats probe of fleetrouter's `router` stats server.
    func stats(_ router: String = "http") throws -> StatsProbe {
        StatsProbe(endpoint: try runningRouter().endpoint(.statsServer, of: router))
    }

    /// fleetrouter's `router` client listener.
    func listener(_ router: String = "http") throws -> Endpoint {
        try runningRouter().endpoint(.listener, of: router)
    }

    /// fleetrouter's `router` subscription server.
    func subscriptionServer(_ router: String = "http") throws -> Endpoint {
        try runningRouter().endpoint(.subscriptionServer, of: router)
    }

    /// A client of fleetrouter's admin API with the right token.
    func admin() throws -> AdminClient {
        AdminClient(endpoint: try runningRouter().endpoint(.admin), token: token)
    }

    /// Starts fleetrouter's HTTP router (`FleetrouterArguments.httpRouter` plus `extra`) and
    /// app nodes `(name, weight)` announcing `app.local` to it, and waits until its stats list
    /// exactly those nodes with those weights.
    @discardableResult
    func startHTTPFleet(_ specs: [(name: String, weight: Int?)], routerArguments extra: [String] = []) async throws -> [UwsgiProcess] {
        try await startRouter(FleetrouterArguments.httpRouter(in: directory, extra: extra))
        let nodes = try await startNodes(specs, subscribingTo: [subscriptionServer()])
        try await waitForSubscribed(nodes, weights: specs.map { $0.weight ?? 1 }, on: stats())
        return nodes
    }

    /// Waits until the stats at `stats` list exactly `nodes` under `key`, with `weights`
    /// (uWSGI stores a missing weight as 1) when given.
    @discardableResult
    func waitForSubscribed(
        _ nodes: [UwsgiProcess], weights: [Int]? = nil, key: String = "app.local", on stats: StatsProbe
    ) async throws -> StatsProbe.Reading {
        let expected = Dictionary(uniqueKeysWithValues: zip(nodes.map(\.address), (weights ?? nodes.map { _ in 1 }).map(UInt64.init)))
        let names = nodes.map(\.name).joined(separator: ", ")
        return try await stats.wait("\(names) subscribed to \(key) with weights \(weights ?? nodes.map { _ in 1 })") { document in
            let listed = document.nodes(forKey: key)
            return listed.count == expected.count && listed.allSatisfy { expected[$0.name] == $0.weight }
        }
    }

    // MARK: uWSGI

    /// Starts app nodes `(name, weight)` announcing `key` to `servers`, and waits until each
    /// has sent its first announce.
    @discardableResult
    func startNodes(
        _ specs: [(name: String, weight: Int?)], subscribingTo servers: [Endpoint], key: String = "app.local",
        sign: String? = nil, subscribeItems: String? = nil
    ) async throws -> [UwsgiProcess] {
        var started: [UwsgiProcess] = []
        for spec in specs {
            let node = try await UwsgiProcess.node(
                spec.name, in: directory, subscribingTo: servers, key: key, weight: spec.weight, sign: sign, subscribeItems: subscribeItems)
            nodes.append(node)
            started.append(node)
        }
        for node in started {
            try await node.waitUntilAnnounced()
        }
        return started
    }

    /// Starts a real uWSGI HTTP router and waits until it routes.
    @discardableResult
    func startUwsgiHTTPRouter(
        listener: String, subscriptionServer: String? = nil, stats: String? = nil, staticNodes: [String] = [], extra: [String] = []
    ) async throws -> UwsgiProcess {
        let router = try await UwsgiProcess.httpRouter(
            in: directory, listener: listener, subscriptionServer: subscriptionServer, stats: stats, staticNodes: staticNodes, extra: extra
        )
        uwsgiRouters.append(router)
        try await router.waitUntilRouting()
        return router
    }

    /// Starts a real uWSGI raw router and waits until it routes.
    @discardableResult
    func startUwsgiRawRouter(listener: String, to nodes: [String]) async throws -> UwsgiProcess {
        let router = try await UwsgiProcess.rawRouter(in: directory, listener: listener, to: nodes)
        uwsgiRouters.append(router)
        try await router.waitUntilRouting()
        return router
    }

    /// The node named `name`.
    func node(_ name: String) throws -> UwsgiProcess {
        guard let node = nodes.first(where: { $0.name == name }) else { throw InteropError("no node \(name) was started") }
        return node
    }

    // MARK: teardown

    private func shutdown() async {
        if let router {
            let status = await router.stop(with: SIGINT)
            if status != .exited(0) {
                Issue.record("fleetrouter did not exit 0 on SIGINT: \(status.map(\.description) ?? "still running")\n\(router.process.logTail)")
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for instance in nodes + uwsgiRouters {
                group.addTask { await instance.terminate() }
            }
        }
        directory.remove()
    }
}
